// Command wasm is the browser client: it registers the routes of package ui
// and hands the page to go-app. Build it with `make wasm`.
package main

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/founding/chat/app/ui"
)

func main() {
	ui.Routes()
	app.RunWhenOnBrowser()
}
