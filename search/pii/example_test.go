package pii_test

import (
	"fmt"

	"github.com/fmkit/fmkit/search/pii"
)

func Example() {
	text := "Ping @jdoe_42 or mail jane.doe@example.com; the server is 203.0.113.77 (release 4.2.1.3)."
	fmt.Println(pii.Redact(text, nil))
	for _, s := range pii.Detect("call +44 20 7946 0958", &pii.Options{Phone: true}) {
		fmt.Println(s.Kind, s.Start, s.End)
	}
	// Output:
	// Ping PI:USER or mail PI:EMAIL; the server is PI:IP_ADDRESS (release 4.2.1.3).
	// PHONE 5 21
}
