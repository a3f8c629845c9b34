// segments.go mirrors the public requests Python's SharedMemoryServer adds
// to a server in managers.py: track_segment, release_segment and
// list_segments, which CPython's SharedMemoryManager clients send to track
// the shared memory blocks they create. A Go server answers them when it
// has a segment tracker registered (package sharedmemory's Manager
// registers one under SegmentsTypeid); other servers answer as a Python
// Server that is not a SharedMemoryServer does.

package python

import (
	"fmt"

	"gomanager/basemanager/pickle"
)

// SegmentsTypeid is the typeid a server's shared memory segment tracker is
// registered under: a callable returning the one tracker, whose methods
// Track(name string), Release(name string) error and List() []string the
// segment requests call. It is Python's _SharedMemoryTracker.
const SegmentsTypeid = "_SharedMemoryTracker"

// segmentRequests maps the public requests to the tracker's methods.
var segmentRequests = map[string]string{
	"track_segment":   "Track",
	"release_segment": "Release",
	"list_segments":   "List",
}

// pySegments answers a segment request with the server's tracker.
func (s *FrontDoor) pySegments(sess Session, funcname string, a *pyArgs) (any, error) {
	var params []pyParam
	if funcname != "list_segments" {
		params = append(params, pyParam{name: "segment_name"})
	}
	args, err := a.bind(params...)
	if err != nil {
		return nil, err
	}
	if _, ok := s.srv.Callable(SegmentsTypeid); !ok {
		return nil, pyError("AssertionError", fmt.Sprintf("%s unrecognized (this server is not a SharedMemoryManager's)", pickle.Repr(funcname)))
	}
	obj, err := sess.Create(SegmentsTypeid, nil)
	if err != nil {
		return nil, err
	}
	defer s.srv.Release(obj.ID()) // the tracker lives on in its callable
	result, err := obj.Call(sess.Context(), segmentRequests[funcname], args)
	if err != nil {
		return nil, pyException(err)
	}
	if names, ok := result.([]string); ok { // list_segments: a list of str
		list := make([]any, len(names))
		for i, n := range names {
			list[i] = n
		}
		return list, nil
	}
	return nil, nil
}
