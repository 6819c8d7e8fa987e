package memory_test

import (
	"testing"

	"github.com/founding/chat/server/store/memory"
	"github.com/founding/chat/server/store/storetest"
)

func TestDirectory(t *testing.T) { storetest.TestDirectory(t, memory.NewDirectory()) }

func TestRecords(t *testing.T) { storetest.TestRecords(t, memory.NewRecords()) }

func TestModeration(t *testing.T) { storetest.TestModeration(t, memory.NewDirectory()) }

func TestAdminRecords(t *testing.T) { storetest.TestAdminRecords(t, memory.NewRecords()) }

func TestAdminRooms(t *testing.T) { storetest.TestAdminRooms(t, memory.NewDirectory()) }

func TestGroups(t *testing.T) { storetest.TestGroups(t, memory.NewDirectory()) }
