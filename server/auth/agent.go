package auth

import "strings"

// Browser shortens a User-Agent to what a person recognises in a list of
// their devices: "Chromium on Linux", "Safari on iOS", "Firefox on
// Windows". An agent it cannot read is "Unknown browser", one of the wire's
// own clients (Go's HTTP client) "Go client".
func Browser(ua string) string {
	browser := "Unknown browser"
	for _, b := range [...]struct{ token, name string }{
		// Order matters: Edge and Opera say Chrome too, Chrome says Safari.
		{"Edg/", "Edge"}, {"OPR/", "Opera"}, {"Firefox/", "Firefox"}, {"FxiOS/", "Firefox"},
		{"CriOS/", "Chrome"}, {"Chromium/", "Chromium"}, {"HeadlessChrome/", "Chromium"},
		{"Chrome/", "Chrome"}, {"Safari/", "Safari"}, {"Go-http-client/", "Go client"},
	} {
		if strings.Contains(ua, b.token) {
			browser = b.name
			break
		}
	}
	system := ""
	for _, s := range [...]struct{ token, name string }{
		{"Android", "Android"}, {"iPhone", "iOS"}, {"iPad", "iOS"}, {"CrOS", "ChromeOS"},
		{"Mac OS X", "macOS"}, {"Macintosh", "macOS"}, {"Windows", "Windows"}, {"Linux", "Linux"},
	} {
		if strings.Contains(ua, s.token) {
			system = s.name
			break
		}
	}
	if system == "" {
		return browser
	}
	return browser + " on " + system
}
