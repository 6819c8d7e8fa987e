package ui

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// Theme is the color scheme the user chose: System (the default) follows
// the operating system's light or dark setting.
type Theme string

// Themes, in the order the theme button goes through them.
const (
	ThemeSystem Theme = ""
	ThemeLight  Theme = "light"
	ThemeDark   Theme = "dark"
)

// themeKey is where the theme is kept in local storage, as a plain string
// so that /web/theme.js can apply it before the page first paints.
const themeKey = "chat.theme"

// Next returns the theme after t: system, light, dark, system…
func (t Theme) Next() Theme {
	switch t {
	case ThemeSystem:
		return ThemeLight
	case ThemeLight:
		return ThemeDark
	}
	return ThemeSystem
}

// label returns the key of the theme button's label.
func (t Theme) label() string {
	switch t {
	case ThemeLight:
		return "theme.light"
	case ThemeDark:
		return "theme.dark"
	}
	return "theme.system"
}

// savedTheme returns the theme kept in local storage.
func savedTheme() Theme {
	if !app.IsClient {
		return ThemeSystem
	}
	ls := app.Window().Get("localStorage")
	if !ls.Truthy() {
		return ThemeSystem
	}
	switch v := ls.Call("getItem", themeKey); {
	case v.Truthy() && v.String() == string(ThemeLight):
		return ThemeLight
	case v.Truthy() && v.String() == string(ThemeDark):
		return ThemeDark
	}
	return ThemeSystem
}

// applyTheme keeps t, and shows it: the style sheet picks the colors from
// the data-theme attribute of <html>, or from prefers-color-scheme when
// there is none.
func applyTheme(t Theme) {
	if !app.IsClient {
		return
	}
	root := app.Window().Get("document").Get("documentElement")
	ls := app.Window().Get("localStorage")
	if t == ThemeSystem {
		root.Call("removeAttribute", "data-theme")
		if ls.Truthy() {
			ls.Call("removeItem", themeKey)
		}
		return
	}
	root.Call("setAttribute", "data-theme", string(t))
	if ls.Truthy() {
		ls.Call("setItem", themeKey, string(t))
	}
}

// themeButton is the top bar's theme button. It owns the theme (kept in
// local storage, applied to the page); its picture shows the current one,
// its name says it and what a click does.
type themeButton struct {
	app.Compo

	Ilang Lang

	theme Theme
}

func newThemeButton() *themeButton { return &themeButton{} }

func (b *themeButton) Lang(v Lang) *themeButton { b.Ilang = v; return b }

// OnMount reads the saved theme (theme.js applied it before the first
// paint).
func (b *themeButton) OnMount(ctx app.Context) {
	if app.IsClient {
		b.theme = savedTheme()
	}
}

// onClick goes to the next theme.
func (b *themeButton) onClick(ctx app.Context, e app.Event) {
	b.theme = b.theme.Next()
	applyTheme(b.theme)
}

// Icons: decoration next to a label, or the picture of a button whose
// name is its aria-label. Our own constant markup.
const (
	iconSystem  = `<svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false"><circle cx="12" cy="12" r="8.5" fill="none" stroke="currentColor" stroke-width="2"/><path d="M12 3.5a8.5 8.5 0 0 1 0 17z" fill="currentColor"/></svg>`
	iconLight   = `<svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false"><circle cx="12" cy="12" r="4.5" fill="currentColor"/><g stroke="currentColor" stroke-width="2" stroke-linecap="round"><path d="M12 2v2.5M12 19.5V22M2 12h2.5M19.5 12H22M4.9 4.9l1.8 1.8M17.3 17.3l1.8 1.8M4.9 19.1l1.8-1.8M17.3 6.7l1.8-1.8"/></g></svg>`
	iconDark    = `<svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false"><path d="M20 14.5A8.5 8.5 0 0 1 9.5 4a8.5 8.5 0 1 0 10.5 10.5z" fill="currentColor"/></svg>`
	iconBell    = `<svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false"><path d="M12 3a6 6 0 0 0-6 6v4l-1.8 3.2a.5.5 0 0 0 .4.8h14.8a.5.5 0 0 0 .4-.8L18 13V9a6 6 0 0 0-6-6z" fill="none" stroke="currentColor" stroke-width="2" stroke-linejoin="round"/><path d="M9.5 19.5a2.5 2.5 0 0 0 5 0" fill="none" stroke="currentColor" stroke-width="2"/></svg>`
	iconBellOn  = `<svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false"><path d="M12 3a6 6 0 0 0-6 6v4l-1.8 3.2a.5.5 0 0 0 .4.8h14.8a.5.5 0 0 0 .4-.8L18 13V9a6 6 0 0 0-6-6z" fill="currentColor"/><path d="M9.5 19.5a2.5 2.5 0 0 0 5 0" fill="none" stroke="currentColor" stroke-width="2"/></svg>`
	iconBellOff = `<svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false"><path d="M12 3a6 6 0 0 0-6 6v4l-1.8 3.2a.5.5 0 0 0 .4.8h14.8a.5.5 0 0 0 .4-.8L18 13V9a6 6 0 0 0-6-6z" fill="none" stroke="currentColor" stroke-width="2" stroke-linejoin="round"/><path d="M4 4l16 16" stroke="currentColor" stroke-width="2" stroke-linecap="round"/></svg>`
	iconSearch  = `<svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" focusable="false"><circle cx="10.5" cy="10.5" r="6.5" fill="none" stroke="currentColor" stroke-width="2"/><path d="M15.5 15.5L21 21" stroke="currentColor" stroke-width="2" stroke-linecap="round"/></svg>`
)

func (t Theme) icon() string {
	switch t {
	case ThemeLight:
		return iconLight
	case ThemeDark:
		return iconDark
	}
	return iconSystem
}

func (b *themeButton) Render() app.UI {
	label := T(b.Ilang, b.theme.label())
	return app.Button().ID("theme-btn").Type("button").Class("icon-btn").DataSet("theme", string(b.theme)).
		Aria("label", label).Title(label).OnClick(b.onClick).Body(app.Raw(b.theme.icon()))
}
