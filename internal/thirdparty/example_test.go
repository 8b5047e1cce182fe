package thirdparty_test

import (
	"fmt"

	"github.com/fmkit/fmkit/internal/thirdparty"
)

func ExampleIdentify() {
	text := []byte(`Copyright (c) 2024 Someone

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, …`)
	fmt.Println(thirdparty.Identify(text))
	fmt.Println(thirdparty.Acceptable("FTL OR GPL-2.0-or-later"))
	fmt.Println(thirdparty.Acceptable("MIT AND GPL-3.0"))
	// Output:
	// [MIT]
	// <nil>
	// thirdparty: license not acceptable in an Apache-2.0 binary: GPL-3.0
}
