package names

import "testing"

func TestKeyFoldsCaseAndWidth(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		same bool
	}{
		{"case", "Ann", "ann", true},
		{"full width", "Ａｎｎ", "ann", true},
		{"sharp s", "Straße", "STRASSE", true},
		{"ligature", "ﬁsh", "fish", true},
		{"cjk", "小明", "小明", true},
		{"different", "ann", "anne", false},
		{"accent kept", "José", "Jose", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Key(tt.a) == Key(tt.b); got != tt.same {
				t.Errorf("Key(%q)=%q, Key(%q)=%q; same=%v, want %v", tt.a, Key(tt.a), tt.b, Key(tt.b), got, tt.same)
			}
		})
	}
}
