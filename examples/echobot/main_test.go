package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server"
	"github.com/founding/chat/server/chattest"
)

// TestEchoBotAnswers runs the bot against a real chat server: a person
// writes "!echo hello" in the lobby over the websocket and sees the bot's
// answer arrive.
func TestEchoBotAnswers(t *testing.T) {
	s := chattest.New(t, server.Options{Storage: server.MemoryStorage()})
	owner := s.User(t, "ann")
	body, _ := json.Marshal(map[string]any{"name": "echobot", "scopes": []string{"read", "write"}})
	req, _ := http.NewRequest("POST", s.URL+"/api/tokens", bytes.NewReader(body))
	req.Header.Set("Origin", s.URL)
	client := &http.Client{Jar: owner.Jar, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		Token string `json:"token"`
	}
	json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	if tok.Token == "" {
		t.Fatalf("no token: %d", resp.StatusCode)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	b := &bot{api: s.URL + "/api/v1", token: tok.Token, device: "echobot-test", seen: map[string]uint64{}}
	go func() { done <- b.run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
		http.DefaultClient.CloseIdleConnections()
	})
	bob := s.User(t, "bob")
	// The bot notes where the lobby is on its first poll; what comes after
	// gets an answer. Say it until the answer comes.
	n := uint64(0)
	chattest.Eventually(t, chattest.Wait, func() bool {
		n++
		bob.Send(&chat.Send{ID: chat.MsgID{Device: "bobs-phone", N: n}, Conv: "r:lobby", Text: "!echo hello"})
		return chattest.Within(3*time.Second, func() bool {
			for _, f := range bob.Frames() {
				if e, ok := f.(*chat.Entry); ok && e.From == "ann" && strings.Contains(e.HTML, ">hello<") {
					return true
				}
			}
			return false
		})
	}, "the bot's answer")
}
