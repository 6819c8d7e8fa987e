package markup

import "github.com/founding/chat/app/chat"

// Quote returns what a reply shows of the message whose HTML (made by
// Message, or chat.DeletedHTML) is given: chat.QuoteText, which clients use
// too for a reply still in their outbox.
func Quote(messageHTML string) string { return chat.QuoteText(messageHTML) }
