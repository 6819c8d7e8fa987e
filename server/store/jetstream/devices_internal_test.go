package jetstream

import (
	"encoding/json"
	"reflect"
	"strconv"
	"testing"
)

// TestDeviceMarksEncodeAsEncodingJSONReadsThem: the record written without
// reflection reads back, through encoding/json, as the record it was,
// strange conversation ids included.
func TestDeviceMarksEncodeAsEncodingJSONReadsThem(t *testing.T) {
	floor := uint64(7)
	for _, m := range []deviceMarksJSON{
		{},
		{High: 3, Acks: []keptAck{}},
		{High: 70, Floor: &floor, Acks: []keptAck{
			{N: 8, Seq: 100, Time: 1764600000000, Conv: "r:lobby"},
			{N: 9, Seq: 1, Time: -1, Conv: `p:ann|bob "quoted" \\ back`},
			{N: 10, Seq: 2, Time: 0, Conv: "r:\x00\x1f\t\n 北京 <&>"},
		}},
	} {
		data := m.appendJSON(nil)
		if !json.Valid(data) {
			t.Fatalf("not JSON: %s", data)
		}
		var back deviceMarksJSON
		if err := json.Unmarshal(data, &back); err != nil {
			t.Fatalf("%s: %v", data, err)
		}
		if !reflect.DeepEqual(back, m) {
			t.Errorf("%s read back as %+v, want %+v", data, back, m)
		}
		std, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		var fromStd deviceMarksJSON
		if err := json.Unmarshal(std, &fromStd); err != nil || !reflect.DeepEqual(fromStd, back) {
			t.Errorf("encoding/json's %s reads as %+v, ours as %+v", std, fromStd, back)
		}
	}
}

// BenchmarkDeviceMarks is the encoding of a full record, done once per
// message a device sends.
func BenchmarkDeviceMarks(b *testing.B) {
	floor := uint64(1)
	m := deviceMarksJSON{High: 1000, Floor: &floor}
	for i := range keptAcks {
		m.Acks = append(m.Acks, keptAck{N: uint64(900 + i), Seq: uint64(50000 + i), Time: 1764600000000, Conv: "r:room" + strconv.Itoa(i)})
	}
	b.ReportAllocs()
	var buf []byte
	for b.Loop() {
		buf = m.appendJSON(buf[:0])
	}
}

// TestMergedMarksKeepTheNewestAcksOfBoth: joining two records keeps the
// newest keptAcks acks of both by id, and raises the floor past what it
// drops.
func TestMergedMarksKeepTheNewestAcksOfBoth(t *testing.T) {
	var a, b deviceMarksJSON
	for n := uint64(1); n <= 50; n++ {
		a = a.with(keptAck{N: n, Seq: n, Conv: "r:x"})
	}
	for n := uint64(40); n <= 90; n++ {
		b = b.with(keptAck{N: n, Seq: 1000 + n, Conv: "r:y"})
	}
	m := mergeMarks(a, b)
	if m.High != 90 || len(m.Acks) != keptAcks || m.Acks[0].N != 90-keptAcks+1 || m.Acks[keptAcks-1].N != 90 {
		t.Fatalf("merged: high %d, %d acks from %d to %d", m.High, len(m.Acks), m.Acks[0].N, m.Acks[len(m.Acks)-1].N)
	}
	if m.floor() != 90-keptAcks {
		t.Errorf("floor %d, want %d: the ids dropped", m.floor(), 90-keptAcks)
	}
	if got := m.Acks[keptAcks-1]; got.Seq != 1090 || got.Conv != "r:y" {
		t.Errorf("the newest ack is %+v, want the second record's", got)
	}
}
