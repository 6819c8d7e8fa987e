package ui

import (
	"encoding/json"
	"errors"

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

// giveBackToComposer puts text back in the composer: in place of what it
// holds when that is empty, before it otherwise, so nothing typed is lost.
func giveBackToComposer(text string) {
	el := app.Window().GetElementByID("composer")
	if !el.Truthy() {
		return
	}
	if typed := el.Get("value").String(); typed != "" {
		text += "\n" + typed
	}
	el.Set("value", text)
}

// onPageLifecycle calls hide when the page is left (closed, or kept in the
// back/forward cache, where a live websocket would keep the user online)
// and show(true) when it comes back from that cache.
func onPageLifecycle(hide func(), show func(fromCache bool)) {
	w := app.Window()
	w.Call("addEventListener", "pagehide", app.FuncOf(func(app.Value, []app.Value) any {
		hide()
		return nil
	}))
	w.Call("addEventListener", "pageshow", app.FuncOf(func(_ app.Value, args []app.Value) any {
		show(len(args) > 0 && args[0].Get("persisted").Bool())
		return nil
	}))
}

// onNetworkBack calls f when the browser says the network is back.
func onNetworkBack(f func()) {
	app.Window().Call("addEventListener", "online", app.FuncOf(func(app.Value, []app.Value) any {
		f()
		return nil
	}))
}

// apiReply is the body of the server's /api answers.
type apiReply struct {
	Name  string `json:"name,omitempty"`
	Error string `json:"error,omitempty"`
}

// postJSON posts body as JSON to a path of this origin, with the page's
// cookies, and returns the status and the decoded answer. It blocks: call
// it from Context.Async.
func postJSON(path string, body any) (int, apiReply, error) {
	var reply apiReply
	status, err := postJSONInto(path, body, &reply)
	return status, reply, err
}

// postJSONInto is postJSON decoding the answer into out.
func postJSONInto(path string, body, out any) (int, error) {
	return requestJSONInto("POST", path, body, out)
}

// requestJSONInto makes a same-origin request of method to path, with
// body as JSON (none when nil), and decodes the answer into out.
func requestJSONInto(method, path string, body, out any) (int, error) {
	var data []byte
	if body != nil {
		var err error
		if data, err = json.Marshal(body); err != nil {
			return 0, err
		}
	}
	type result struct {
		status int
		text   string
		err    error
	}
	done := make(chan result, 1)
	var funcs []app.Func
	fn := func(f func(app.Value, []app.Value) any) app.Func {
		v := app.FuncOf(f)
		funcs = append(funcs, v)
		return v
	}
	defer func() {
		for _, f := range funcs {
			f.Release()
		}
	}()
	onErr := fn(func(_ app.Value, args []app.Value) any {
		done <- result{err: errors.New("the server cannot be reached: " + args[0].Call("toString").String())}
		return nil
	})
	onResponse := fn(func(_ app.Value, args []app.Value) any {
		resp := args[0]
		status := resp.Get("status").Int()
		resp.Call("text").Call("then", fn(func(_ app.Value, args []app.Value) any {
			done <- result{status: status, text: args[0].String()}
			return nil
		}), onErr)
		return nil
	})
	opts := map[string]any{
		"method":      method,
		"credentials": "same-origin",
	}
	if body != nil {
		opts["headers"] = map[string]any{"Content-Type": "application/json"}
		opts["body"] = string(data)
	}
	app.Window().Call("fetch", path, opts).Call("then", onResponse, onErr)
	r := <-done
	if r.err != nil {
		return 0, r.err
	}
	if r.text != "" {
		json.Unmarshal([]byte(r.text), out)
	}
	return r.status, nil
}

// forgetLocalData removes what this origin stored in the browser.
func forgetLocalData() {
	for _, store := range []string{"localStorage", "sessionStorage"} {
		if s := app.Window().Get(store); s.Truthy() {
			s.Call("clear")
		}
	}
}
