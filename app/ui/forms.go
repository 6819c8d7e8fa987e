package ui

import (
	"strconv"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/founding/chat/app/chat"
)

// composer is the message box: Enter sends, Shift+Enter starts a new line,
// and Enter while an input method is composing (Chinese, Japanese) is left
// to the input method. Ctrl (or ⌘) with B, I or E puts Markdown's bold,
// italic or code around the selection (format.go); the server reads the
// text as Markdown.
type composer struct {
	app.Compo

	Ilang     Lang
	Itarget   string
	Ioffline  bool
	Irev      uint64
	Inames    []string // whom "@" completes, best first
	Ifiles    int      // files attached (attach.go): a message may then have no text
	IonSubmit func(app.Context, string) bool
	IonTyped  func(app.Context, string) // the text after each change by the user (typing.go)
	Imode     *composerMode             // answering or editing a message (actions.go), or nil
	IonUp     func(app.Context) bool    // ↑ in the empty composer: edit the last message
	IonEscape func(app.Context) bool    // Escape: leave the mode

	mention mentionBox // the "@" completion (mention.go)
}

func (c *composer) Lang(l Lang) *composer        { c.Ilang = l; return c }
func (c *composer) Target(name string) *composer { c.Itarget = name; return c }
func (c *composer) Offline(v bool) *composer     { c.Ioffline = v; return c }
func (c *composer) Rev(v uint64) *composer       { c.Irev = v; return c }
func (c *composer) Names(v []string) *composer   { c.Inames = v; return c }
func (c *composer) Files(n int) *composer        { c.Ifiles = n; return c }
func (c *composer) OnSubmit(f func(app.Context, string) bool) *composer {
	c.IonSubmit = f
	return c
}

func (c *composer) Render() app.UI {
	return app.Form().ID("composer-form").Class("composer", classIf("in-mode", c.Imode != nil)).OnSubmit(c.onSubmit).Body(
		// Always there and first, so that the chip coming and going never
		// moves (and so replaces) the textarea.
		app.Div().ID("composer-mode-slot").Class("composer-mode-slot").Body(c.renderMode()),
		app.Label().For("composer").Class("visually-hidden").Text(T(c.Ilang, "composer.label")),
		app.Textarea().ID("composer").Rows(2).MaxLength(chat.MaxTextRunes).
			Placeholder(T(c.Ilang, "composer.hint", c.Itarget)).
			Aria("autocomplete", "list").Aria("activedescendant", c.mention.active()).
			Aria("controls", c.mention.listID()).
			OnKeyDown(c.onKeyDown).OnInput(c.onInput).OnBlur(c.mention.onBlur),
		app.Button().ID("send").Type("submit").Text(T(c.Ilang, "btn.send")),
		app.If(c.Ioffline, func() app.UI {
			return app.P().Class("hint", "offline-hint").Text(T(c.Ilang, "composer.offline"))
		}),
		// Always there and last (mention.go).
		c.mention.slot(c.Ilang),
	)
}

func (c *composer) onKeyDown(ctx app.Context, e app.Event) {
	if c.mention.onKey(e) || c.onModeKey(ctx, e) || formatKey(e, "composer") {
		return
	}
	if e.Get("key").String() != "Enter" || e.Get("shiftKey").Bool() || e.Get("isComposing").Bool() || e.Get("keyCode").Int() == 229 {
		return
	}
	e.PreventDefault()
	c.submit(ctx)
}

func (c *composer) onSubmit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	c.submit(ctx)
}

func (c *composer) submit(ctx app.Context) {
	el := app.Window().GetElementByID("composer")
	if !el.Truthy() || c.IonSubmit == nil {
		return
	}
	text := el.Get("value").String()
	if strings.TrimSpace(text) == "" && c.Ifiles == 0 {
		return
	}
	if c.IonSubmit(ctx, text) {
		clearInput("composer")
		c.mention.close()
		c.typed(ctx, "") // the box is empty: typing stopped
	}
	el.Call("focus")
}

// nameForm asks for a nickname.
type nameForm struct {
	app.Compo

	Ilang        Lang
	IreleaseDays int    // days without use that free a name with no password
	Isso         string // the single sign-on provider's name; "" when off
	InoPasswords bool   // signing in with a password is off
	IonPick      func(app.Context, string)
	IonSignIn    app.EventHandler
}

func (f *nameForm) Lang(l Lang) *nameForm                        { f.Ilang = l; return f }
func (f *nameForm) ReleaseDays(n int) *nameForm                  { f.IreleaseDays = n; return f }
func (f *nameForm) OnPick(h func(app.Context, string)) *nameForm { f.IonPick = h; return f }
func (f *nameForm) OnSignIn(h app.EventHandler) *nameForm        { f.IonSignIn = h; return f }

// SSO shows "Sign in with provider" when provider is not empty, and hides
// signing in with a password when noPasswords.
func (f *nameForm) SSO(provider string, noPasswords bool) *nameForm {
	f.Isso, f.InoPasswords = provider, noPasswords
	return f
}

func (f *nameForm) Render() app.UI {
	described := "name-hint"
	if f.IreleaseDays > 0 {
		described += " name-release"
	}
	return app.Form().ID("name-form").Class("name-form").OnSubmit(f.onSubmit).Body(
		app.H2().Text(T(f.Ilang, "name.title")),
		app.Label().For("name-input").Text(T(f.Ilang, "name.label")),
		app.Input().ID("name-input").Type("text").AutoFocus(true).MaxLength(chat.MaxNameRunes*4).
			Attr("autocomplete", "nickname").Aria("describedby", described),
		app.P().ID("name-hint").Class("hint").Text(T(f.Ilang, "name.hint")+" · max "+strconv.Itoa(chat.MaxNameRunes)),
		app.If(f.IreleaseDays > 0, func() app.UI {
			return app.P().ID("name-release").Class("hint").Text(T(f.Ilang, "name.release", f.IreleaseDays))
		}),
		app.Button().ID("name-submit").Type("submit").Text(T(f.Ilang, "name.submit")),
		app.If(!f.InoPasswords, func() app.UI {
			return app.Button().ID("signin-link").Type("button").Class("link").Text(T(f.Ilang, "signin.link")).OnClick(f.IonSignIn)
		}),
		app.If(f.Isso != "", func() app.UI {
			return app.Button().ID("sso-signin").Type("button").Text(T(f.Ilang, "sso.signin", f.Isso)).OnClick(startSSO(""))
		}),
	)
}

// startSSO returns a handler that loads the single sign-on's start page
// (with query, "?link=1" say): the provider's pages and the callback are
// full page loads, which go-app's navigation within the app must not take.
func startSSO(query string) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		app.Window().Get("location").Call("assign", chat.SSOStartPath+query)
	}
}

func (f *nameForm) onSubmit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	el := app.Window().GetElementByID("name-input")
	if el.Truthy() && f.IonPick != nil {
		f.IonPick(ctx, el.Get("value").String())
	}
}

// joinForm joins or creates a room by name.
type joinForm struct {
	app.Compo

	Ilang   Lang
	IonJoin func(app.Context, string) bool
}

func (f *joinForm) Lang(l Lang) *joinForm                             { f.Ilang = l; return f }
func (f *joinForm) OnJoin(h func(app.Context, string) bool) *joinForm { f.IonJoin = h; return f }

func (f *joinForm) Render() app.UI {
	return app.Form().ID("join-form").Class("join-form").OnSubmit(f.onSubmit).Body(
		app.Label().For("join-input").Text(T(f.Ilang, "rooms.join")),
		app.Div().Class("row").Body(
			app.Input().ID("join-input").Type("text").MaxLength(chat.MaxNameRunes*4).Placeholder("group A"),
			app.Button().ID("join-submit").Type("submit").Text(T(f.Ilang, "btn.join")),
		),
	)
}

func (f *joinForm) onSubmit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	el := app.Window().GetElementByID("join-input")
	if !el.Truthy() || f.IonJoin == nil {
		return
	}
	if room := el.Get("value").String(); strings.TrimSpace(room) != "" && f.IonJoin(ctx, room) {
		clearInput("join-input")
	}
}
