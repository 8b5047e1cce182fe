package lm

import "testing"

func TestCutAtStop(t *testing.T) {
	tests := []struct {
		s     string
		stops []string
		want  string
		cut   bool
	}{
		{"A. next\n\nQ:", []string{"Q:", "\n\n"}, "A. next", true}, // earliest wins, not first listed
		{"no stop here", []string{"Q:"}, "no stop here", false},
		{"abc", []string{""}, "abc", false},
		{"정답은 A 입니다.", []string{"."}, "정답은 A 입니다", true},
	}
	for _, tt := range tests {
		got, cut := CutAtStop(tt.s, tt.stops)
		if got != tt.want || cut != tt.cut {
			t.Errorf("CutAtStop(%q, %q) = %q, %v; want %q, %v", tt.s, tt.stops, got, cut, tt.want, tt.cut)
		}
	}
}

func TestStopPrefixLen(t *testing.T) {
	tests := []struct {
		s     string
		stops []string
		want  int
	}{
		{"answer\n", []string{"\n\n"}, 1},
		{"answer Q", []string{"Q:", "\n\n"}, 1},
		{"answer", []string{"Q:"}, 0},
		{"x</", []string{"</s>"}, 2},
		{"Q:", []string{"Q:"}, 0}, // a whole stop string is cut, not held: only proper prefixes count
		{"aQ", []string{"Q:", "QQ"}, 1},
	}
	for _, tt := range tests {
		if got := StopPrefixLen(tt.s, tt.stops); got != tt.want {
			t.Errorf("StopPrefixLen(%q, %q) = %d, want %d", tt.s, tt.stops, got, tt.want)
		}
	}
}
