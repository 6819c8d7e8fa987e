package chat

// ExportPath is where a signed-in person downloads all their data (their
// account and settings, the conversations they are in, the messages they
// wrote and their files) as a zip of JSON and files, with their session's
// cookie: GET, same origin. See docs/export.md.
const ExportPath = "/api/export"
