// shm_linux.go is the platform's part of SharedMemory on Linux: shm_open,
// ftruncate, mmap and shm_unlink, done as glibc does them, on files under
// /dev/shm (a tmpfs).

//go:build linux

package sharedmemory

import "syscall"

// supported says New can work here.
const supported = true

// shmDir is where glibc's shm_open keeps POSIX shared memory objects.
const shmDir = "/dev/shm/"

// openFile is shm_open(name, O_RDWR [|O_CREAT|O_EXCL], 0600). O_NOFOLLOW
// and O_CLOEXEC are glibc's too.
func openFile(name string, create bool) (int, error) {
	flags := syscall.O_RDWR | syscall.O_NOFOLLOW | syscall.O_CLOEXEC
	if create {
		flags |= syscall.O_CREAT | syscall.O_EXCL
	}
	for {
		fd, err := syscall.Open(shmDir+name, flags, 0o600)
		if err == syscall.EINTR {
			continue
		}
		return fd, err
	}
}

func closeFile(fd int) { syscall.Close(fd) }

// fileSize is fstat's st_size: the block's size.
func fileSize(fd int) (int64, error) {
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		return 0, err
	}
	return st.Size, nil
}

// truncateAndMap sizes a new block and maps it.
func truncateAndMap(fd, size int) ([]byte, error) {
	for {
		err := syscall.Ftruncate(fd, int64(size))
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, err
		}
		break
	}
	return mapFile(fd, size)
}

// mapFile maps size bytes of fd, shared and writable, as Python's
// mmap.mmap(fd, size) does.
func mapFile(fd, size int) ([]byte, error) {
	return syscall.Mmap(fd, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
}

func unmap(b []byte) error { return syscall.Munmap(b) }

// removeFile is shm_unlink.
func removeFile(name string) error { return syscall.Unlink(shmDir + name) }
