package ui

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// langKey is where the chosen language is kept in local storage.
const langKey = "chat.lang"

// browserLang returns the language the user chose before, or else the
// browser's.
func browserLang(ctx app.Context) Lang {
	var saved string
	if err := ctx.LocalStorage().Get(langKey, &saved); err == nil && (saved == string(English) || saved == string(Chinese)) {
		setDocumentLang(Lang(saved))
		return Lang(saved)
	}
	l := LangFor(app.Window().Get("navigator").Get("language").String())
	setDocumentLang(l)
	return l
}

func setDocumentLang(l Lang) {
	app.Window().Get("document").Get("documentElement").Set("lang", string(l))
}

// wsURL returns the URL of /ws on the page's own origin.
func wsURL() string {
	u := app.Window().URL()
	scheme := "ws"
	if u.Scheme == "https" {
		scheme = "wss"
	}
	return scheme + "://" + u.Host + "/ws"
}

// pageVisible reports whether the page is shown (not a hidden tab).
func pageVisible() bool {
	return app.Window().Get("document").Get("visibilityState").String() != "hidden"
}

// onVisibility calls f whenever the page is shown or hidden.
func onVisibility(ctx app.Context, f func(visible bool)) {
	doc := app.Window().Get("document")
	doc.Call("addEventListener", "visibilitychange", app.FuncOf(func(app.Value, []app.Value) any {
		f(pageVisible())
		return nil
	}))
}

// timelineScrollHeight returns the scroll height of the conversation view.
func timelineScrollHeight() int {
	if !app.IsClient {
		return 0
	}
	el := app.Window().GetElementByID("timeline")
	if !el.Truthy() {
		return 0
	}
	return el.Get("scrollHeight").Int()
}

// clearInput empties a text field: go-app's Value("") does not (it drops an
// empty value attribute instead of setting the property).
func clearInput(id string) {
	if el := app.Window().GetElementByID(id); el.Truthy() {
		el.Set("value", "")
	}
}

// onNetworkBack calls f when the browser says the network is back.
func onNetworkBack(f func()) {
	app.Window().Call("addEventListener", "online", app.FuncOf(func(app.Value, []app.Value) any {
		f()
		return nil
	}))
}
