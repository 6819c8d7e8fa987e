package ui

import (
	"strings"
	"testing"
	"time"
)

func TestLangFor(t *testing.T) {
	tests := []struct {
		name string
		tag  string
		want Lang
	}{
		{name: "simplified Chinese", tag: "zh-CN", want: Chinese},
		{name: "bare zh", tag: "zh", want: Chinese},
		{name: "traditional, upper case", tag: "ZH-TW", want: Chinese},
		{name: "script subtag", tag: "zh-Hant-HK", want: Chinese},
		{name: "US English", tag: "en-US", want: English},
		{name: "bare en", tag: "en", want: English},
		{name: "other language falls back to English", tag: "fr-FR", want: English},
		{name: "empty tag", tag: "", want: English},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := LangFor(tt.tag); got != tt.want {
				t.Errorf("LangFor(%q) = %q, want %q", tt.tag, got, tt.want)
			}
		})
	}
}

func TestT(t *testing.T) {
	tests := []struct {
		name string
		lang Lang
		key  string
		args []any
		want string
	}{
		{name: "English", lang: English, key: "btn.send", want: "Send"},
		{name: "Chinese", lang: Chinese, key: "btn.send", want: "发送"},
		{name: "English with a number", lang: English, key: "conv.online", args: []any{3}, want: "3 online"},
		{name: "Chinese with a number", lang: Chinese, key: "conv.online", args: []any{3}, want: "3 人在线"},
		{name: "English with a name", lang: English, key: "notice.online", args: []any{"Bob"}, want: "Bob joined"},
		{name: "Chinese with a name", lang: Chinese, key: "notice.offline", args: []any{"Bob"}, want: "Bob 下线了"},
		{name: "a name with a percent sign is not a verb", lang: English, key: "notice.online", args: []any{"100%"}, want: "100% joined"},
		{name: "unknown key shows the key", lang: Chinese, key: "no.such.key", want: "no.such.key"},
		{name: "unknown language is English", lang: Lang("fr"), key: "btn.join", want: "Join"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := T(tt.lang, tt.key, tt.args...); got != tt.want {
				t.Errorf("T(%q, %q, %v) = %q, want %q", tt.lang, tt.key, tt.args, got, tt.want)
			}
		})
	}
}

// Every string exists in both languages, with the same format verbs, and
// the Chinese one is a translation.
func TestTextHasBothLanguages(t *testing.T) {
	verbs := func(s string) string {
		var v []string
		for i := 0; i < len(s)-1; i++ {
			if s[i] == '%' {
				v = append(v, s[i:i+2])
				i++
			}
		}
		return strings.Join(v, ",")
	}
	for key, pair := range text {
		en, zh := pair[0], pair[1]
		if en == "" || zh == "" {
			t.Errorf("%s: a language is missing: %q / %q", key, en, zh)
			continue
		}
		if en == zh {
			t.Errorf("%s: not translated: %q", key, zh)
		}
		if verbs(en) != verbs(zh) {
			t.Errorf("%s: format verbs differ: %q / %q", key, en, zh)
		}
	}
}

func TestFormatTime(t *testing.T) {
	// A zone far from UTC: the day is the viewer's, not the server's.
	loc := time.FixedZone("UTC+8", 8*3600)
	now := time.Date(2026, 3, 5, 15, 4, 0, 0, loc)
	ms := func(y int, m time.Month, d, h, min int) int64 {
		return time.Date(y, m, d, h, min, 0, 0, loc).UnixMilli()
	}
	tests := []struct {
		name string
		lang Lang
		at   int64
		want string
	}{
		{name: "today", lang: English, at: ms(2026, 3, 5, 9, 7), want: "09:07"},
		{name: "today in Chinese", lang: Chinese, at: ms(2026, 3, 5, 9, 7), want: "09:07"},
		{name: "today's first minute", lang: English, at: ms(2026, 3, 5, 0, 0), want: "00:00"},
		{name: "yesterday's last minute", lang: English, at: ms(2026, 3, 4, 23, 59), want: "Mar 4 23:59"},
		{name: "earlier this year", lang: English, at: ms(2026, 1, 2, 15, 4), want: "Jan 2 15:04"},
		{name: "earlier this year in Chinese", lang: Chinese, at: ms(2026, 1, 2, 15, 4), want: "1月2日 15:04"},
		{name: "another year", lang: English, at: ms(2025, 12, 31, 8, 30), want: "Dec 31 2025 08:30"},
		{name: "another year in Chinese", lang: Chinese, at: ms(2025, 12, 31, 8, 30), want: "2025年12月31日 08:30"},
		{
			name: "a UTC time on another day that is today here",
			lang: English,
			at:   time.Date(2026, 3, 4, 20, 0, 0, 0, time.UTC).UnixMilli(), // 04:00 on the 5th at UTC+8
			want: "04:00",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FormatTime(tt.lang, tt.at, now); got != tt.want {
				t.Errorf("FormatTime(%q, %d, %v) = %q, want %q", tt.lang, tt.at, now, got, tt.want)
			}
		})
	}
}
