//go:build !unix

package evidence

// noFollow is not available here; links are still refused by the walk that
// found the file.
const noFollow = 0
