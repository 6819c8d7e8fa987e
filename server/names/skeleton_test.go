package names

import "testing"

func TestSkeletonCatchesLookAlikes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		a, b string
		same bool
	}{
		// Unicode TS #39's own examples, and the confusables data's.
		{"mathematical letters", "𝔭𝒶ỿ𝕡𝕒ℓ", "paypal", true},
		{"cyrillic word", "ѕсоре", "scope", true},
		{"cyrillic a", "\u0410nn", "Ann", true},
		{"greek alpha", "\u0391nn", "Ann", true},
		{"armenian o", "An\u0578", "Ann", true},
		{"one and l", "Annl2", "Ann12", true},
		{"zero and O", "B0b", "Bob", true},
		{"capital i and l", "AIex", "Alex", true},
		{"rn and m", "rnia", "Mia", true},
		{"case", "ANN", "ann", true},
		{"full width", "Ａｎｎ", "ann", true},
		// Marks added over or under a held name.
		{"strike-through mark", "Ann1\u0336", "Ann1", true},
		{"grave on a digit", "Ann1\u0300", "Ann1", true},
		{"dot below", "A\u0323nn1", "Ann1", true},
		{"precomposed dot below", "\u1EA0nn1", "Ann1", true},
		{"accent", "José", "Jose", true},
		{"many marks", "A\u0301\u0302\u0303nn", "Ann", true},
		// Names that must stay different.
		{"different names", "Ann", "Anne", false},
		{"chinese", "小明", "小红", false},
		{"chinese same", "小明", "小明", true},
		{"japanese", "さくら", "サクラ", false},
		{"korean", "김민준", "김민주", false},
		{"digits", "ann1", "ann2", false},
		// Marks a script owns tell names apart.
		{"kana voicing", "がく", "かく", false},
		{"kana half voicing", "ぱん", "はん", false},
		{"devanagari vowel sign", "कुमार", "कमार", false},
		{"thai vowel sign", "สมชาย", "สมชย", false},
		{"hebrew point", "שָׁלוֹם", "שלום", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := Skeleton(tt.a) == Skeleton(tt.b); got != tt.same {
				t.Errorf("Skeleton(%q)=%q, Skeleton(%q)=%q; same=%v, want %v", tt.a, Skeleton(tt.a), tt.b, Skeleton(tt.b), got, tt.same)
			}
		})
	}
}

func TestSkeletonIsStable(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"Ann12", "𝔭𝒶ỿ𝕡𝕒ℓ", "rnia", "AIex", "小明", "José"} {
		if k := Skeleton(s); Skeleton(k) != k {
			t.Errorf("Skeleton(Skeleton(%q)) = %q, want %q", s, Skeleton(k), k)
		}
	}
}

func FuzzSkeleton(f *testing.F) {
	for _, s := range []string{"Ann", "Аnn", "𝔭𝒶ỿ𝕡𝕒ℓ", "小明", "a\u0301\u0302", "\u202eann", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k := Skeleton(s)
		if Skeleton(k) != k {
			t.Errorf("Skeleton is not stable on %q: %q then %q", s, k, Skeleton(k))
		}
		if Key(s) == Key(k) && Skeleton(s) != Skeleton(k) {
			t.Errorf("same key, different skeletons: %q", s)
		}
	})
}
