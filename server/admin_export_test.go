package server

import "net/http"

// RouteAdminForTest adds h under pattern behind adminOnly, as the export
// and import routes are.
func (s *Server) RouteAdminForTest(pattern string, h http.Handler) {
	s.mux.Handle(pattern, s.adminOnly(h))
}
