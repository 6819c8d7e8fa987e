package chat

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// CleanEmoji checks a reaction and returns it as it is stored: exactly one
// emoji, that is one grapheme cluster made of
//
//   - a pictograph (emojiRanges), optionally followed by the emoji
//     presentation selector U+FE0F and a skin tone (U+1F3FB..U+1F3FF), and
//     any number of further such pictographs joined by U+200D (ZWJ),
//     as in 👩‍💻 or ❤️‍🔥;
//   - a flag: two regional indicators (🇫🇷), or a black flag with tag
//     characters ending in U+E007F (🏴󠁧󠁢󠁳󠁣󠁴󠁿);
//   - a keycap: 0-9, # or *, optionally U+FE0F, then U+20E3 (1️⃣).
//
// Anything else, markup and plain text included, is CodeBadEmoji. The one
// change made is that a pictograph from the Basic Multilingual Plane gets
// its U+FE0F when it has none (❤ becomes ❤️), so that both spellings count
// as the same reaction; other spellings are kept as sent.
func CleanEmoji(s string) (string, error) {
	if s == "" {
		return "", Errorf(CodeBadEmoji, "a reaction needs an emoji")
	}
	if len(s) > MaxEmojiBytes || !utf8.ValidString(s) {
		return "", Errorf(CodeBadEmoji, "a reaction is one emoji")
	}
	if clean, ok := cleanEmoji(s); ok && len(clean) <= MaxEmojiBytes {
		return clean, nil
	}
	return "", Errorf(CodeBadEmoji, "a reaction is one emoji, not %.20q", s)
}

func cleanEmoji(s string) (string, bool) {
	runes := []rune(s)
	switch {
	case isRegional(runes[0]):
		return s, len(runes) == 2 && isRegional(runes[1])
	case isKeycapBase(runes[0]):
		ok := len(runes) == 2 && runes[1] == keycap ||
			len(runes) == 3 && runes[1] == presentation && runes[2] == keycap
		if !ok {
			return "", false
		}
		return string([]rune{runes[0], presentation, keycap}), true
	case runes[0] == blackFlag && len(runes) > 2 && isTag(runes[1]):
		return s, tagSequence(runes[1:])
	}
	var b strings.Builder
	for i := 0; i < len(runes); {
		if i > 0 {
			if runes[i] != zwj || i+1 == len(runes) {
				return "", false
			}
			b.WriteRune(zwj)
			i++
		}
		n, ok := writeElement(&b, runes[i:])
		if !ok {
			return "", false
		}
		i += n
	}
	return b.String(), true
}

// writeElement writes one pictograph of a ZWJ sequence with its selector
// and skin tone, and returns how many runes it took.
func writeElement(b *strings.Builder, runes []rune) (int, bool) {
	base := runes[0]
	if !isPictograph(base) {
		return 0, false
	}
	b.WriteRune(base)
	n := 1
	selected := n < len(runes) && runes[n] == presentation
	if selected {
		n++
	}
	toned := n < len(runes) && isSkinTone(runes[n])
	if selected || (base < 0x10000 && !toned) {
		b.WriteRune(presentation)
	}
	if toned {
		if isSkinTone(base) {
			return 0, false // a tone on a tone
		}
		b.WriteRune(runes[n])
		n++
	}
	return n, true
}

// tagSequence reports whether runes are tag characters ended by the
// cancel tag, as in the flags of England, Scotland and Wales.
func tagSequence(runes []rune) bool {
	last := len(runes) - 1
	if runes[last] != cancelTag || last == 0 {
		return false
	}
	for _, r := range runes[:last] {
		if !isTag(r) {
			return false
		}
	}
	return true
}

const (
	zwj          = '\u200d'
	presentation = '\ufe0f'
	keycap       = '\u20e3'
	blackFlag    = '\U0001f3f4'
	cancelTag    = '\U000e007f'
)

func isRegional(r rune) bool   { return r >= 0x1f1e6 && r <= 0x1f1ff }
func isSkinTone(r rune) bool   { return r >= 0x1f3fb && r <= 0x1f3ff }
func isTag(r rune) bool        { return r >= 0xe0020 && r <= 0xe007e }
func isKeycapBase(r rune) bool { return r >= '0' && r <= '9' || r == '#' || r == '*' }

// isPictograph reports whether r is an assigned code point of the emoji
// blocks: the pictographs of Unicode's emoji list, by block.
func isPictograph(r rune) bool {
	return unicode.Is(emojiRanges, r) && unicode.IsGraphic(r) && !isRegional(r)
}

// emojiRanges holds the code points that are emoji (Emoji=Yes in
// Unicode's emoji data, less the digits and the regional indicators, which
// only make emoji in sequences), by range: the emoji planes whole, and the
// symbols of the Basic Multilingual Plane that are emoji one by one.
var emojiRanges = &unicode.RangeTable{
	R16: []unicode.Range16{
		{Lo: 0x00a9, Hi: 0x00ae, Stride: 5}, // © ®
		{Lo: 0x203c, Hi: 0x203c, Stride: 1}, // ‼
		{Lo: 0x2049, Hi: 0x2049, Stride: 1}, // ⁉
		{Lo: 0x2122, Hi: 0x2122, Stride: 1}, // ™
		{Lo: 0x2139, Hi: 0x2139, Stride: 1}, // ℹ
		{Lo: 0x2194, Hi: 0x2199, Stride: 1}, // arrows
		{Lo: 0x21a9, Hi: 0x21aa, Stride: 1},
		{Lo: 0x231a, Hi: 0x231b, Stride: 1}, // ⌚ ⌛
		{Lo: 0x2328, Hi: 0x2328, Stride: 1}, // ⌨
		{Lo: 0x23cf, Hi: 0x23cf, Stride: 1},
		{Lo: 0x23e9, Hi: 0x23f3, Stride: 1}, // ⏩ .. ⏳
		{Lo: 0x23f8, Hi: 0x23fa, Stride: 1},
		{Lo: 0x24c2, Hi: 0x24c2, Stride: 1}, // Ⓜ
		{Lo: 0x25aa, Hi: 0x25ab, Stride: 1},
		{Lo: 0x25b6, Hi: 0x25b6, Stride: 1},
		{Lo: 0x25c0, Hi: 0x25c0, Stride: 1},
		{Lo: 0x25fb, Hi: 0x25fe, Stride: 1},
		{Lo: 0x2600, Hi: 0x27bf, Stride: 1}, // miscellaneous symbols, dingbats: ☀ ☕ ✅ ❤
		{Lo: 0x2934, Hi: 0x2935, Stride: 1},
		{Lo: 0x2b05, Hi: 0x2b07, Stride: 1},
		{Lo: 0x2b1b, Hi: 0x2b1c, Stride: 1}, // ⬛ ⬜
		{Lo: 0x2b50, Hi: 0x2b50, Stride: 1}, // ⭐
		{Lo: 0x2b55, Hi: 0x2b55, Stride: 1}, // ⭕
		{Lo: 0x3030, Hi: 0x3030, Stride: 1},
		{Lo: 0x303d, Hi: 0x303d, Stride: 1},
		{Lo: 0x3297, Hi: 0x3299, Stride: 2}, // ㊗ ㊙
	},
	R32: []unicode.Range32{
		{Lo: 0x1f004, Hi: 0x1f004, Stride: 1}, // 🀄
		{Lo: 0x1f0cf, Hi: 0x1f0cf, Stride: 1}, // 🃏
		{Lo: 0x1f170, Hi: 0x1f171, Stride: 1}, // 🅰 🅱
		{Lo: 0x1f17e, Hi: 0x1f17f, Stride: 1},
		{Lo: 0x1f18e, Hi: 0x1f18e, Stride: 1}, // 🆎
		{Lo: 0x1f191, Hi: 0x1f19a, Stride: 1}, // 🆑 .. 🆚
		{Lo: 0x1f201, Hi: 0x1f202, Stride: 1},
		{Lo: 0x1f21a, Hi: 0x1f21a, Stride: 1},
		{Lo: 0x1f22f, Hi: 0x1f22f, Stride: 1},
		{Lo: 0x1f232, Hi: 0x1f23a, Stride: 1},
		{Lo: 0x1f250, Hi: 0x1f251, Stride: 1},
		{Lo: 0x1f300, Hi: 0x1f64f, Stride: 1}, // pictographs, emoticons (skin tones included)
		{Lo: 0x1f680, Hi: 0x1f6ff, Stride: 1}, // transport and map
		{Lo: 0x1f7e0, Hi: 0x1f7eb, Stride: 1}, // coloured circles and squares
		{Lo: 0x1f7f0, Hi: 0x1f7f0, Stride: 1},
		{Lo: 0x1f90c, Hi: 0x1f9ff, Stride: 1}, // supplemental pictographs
		{Lo: 0x1fa70, Hi: 0x1faff, Stride: 1}, // symbols and pictographs extended-A
	},
}
