// shm_other.go stands in for the platform's part of SharedMemory where
// there is no POSIX shared memory under /dev/shm: New refuses every call
// with errors.ErrUnsupported before any of these is reached.

//go:build !linux

package sharedmemory

import "errors"

const supported = false

func openFile(name string, create bool) (int, error) { return -1, errors.ErrUnsupported }
func closeFile(fd int)                               {}
func fileSize(fd int) (int64, error)                 { return 0, errors.ErrUnsupported }
func truncateAndMap(fd, size int) ([]byte, error)    { return nil, errors.ErrUnsupported }
func mapFile(fd, size int) ([]byte, error)           { return nil, errors.ErrUnsupported }
func unmap(b []byte) error                           { return errors.ErrUnsupported }
func removeFile(name string) error                   { return errors.ErrUnsupported }
