//go:build unix

package evidence

import "syscall"

// noFollow makes an open fail when the last element of the path is a
// symbolic link.
const noFollow = syscall.O_NOFOLLOW
