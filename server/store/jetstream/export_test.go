package jetstream

import (
	natsjs "github.com/nats-io/nats.go/jetstream"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/hub"
)

// KeptAcks is how many acks a device's record keeps.
const KeptAcks = keptAcks

// DevicesBucket is the bucket of device records.
const DevicesBucket = bucketPrefix + devicesBucket

// DeviceKV is the key of a device's record in DevicesBucket.
func DeviceKV(user, device string) string {
	return deviceKV(&hub.Origin{User: user, ID: chat.MsgID{Device: device}})
}

// Consistent wraps kv, as a bucket of three copies, so that its misses
// are confirmed by the leader.
func Consistent(js natsjs.JetStream, kv natsjs.KeyValue) natsjs.KeyValue {
	return consistent(js, kv, 3)
}
