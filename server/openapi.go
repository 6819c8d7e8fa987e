package server

import (
	_ "embed"
	"net/http"
)

// openAPI is the OpenAPI 3 document of the HTTP API (api.go), served at
// /api/v1/openapi.json; TestOpenAPIDescribesEveryRoute checks it against
// the routes both ways.
//
//go:embed openapi.json
var openAPI []byte

func serveOpenAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-cache")
	w.Write(openAPI)
}
