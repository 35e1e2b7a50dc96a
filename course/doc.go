// Package course is the course as the coach writes it: lesson files with
// front matter, the variables they may use, the checks that refuse a broken
// course with line-numbered messages, and the course built into the binary.
package course
