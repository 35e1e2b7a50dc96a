package config

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// loadOrCreateSecret keeps one random key per installation so that links in
// emails already sent stay valid across restarts.
func loadOrCreateSecret(dir string) ([]byte, error) {
	key, _, err := loadOrCreate(dir, "secret_key")
	return key, err
}

// loadOrCreate reads the random secret kept in dir/name, or creates it; it
// reports whether this call created it.
func loadOrCreate(dir, name string) (_ []byte, created bool, _ error) {
	path := filepath.Join(dir, name)
	b, err := os.ReadFile(path)
	if err == nil {
		key := strings.TrimSpace(string(b))
		if len(key) < 16 {
			return nil, false, fmt.Errorf("%s holds a key shorter than 16 characters", path)
		}
		return []byte(key), false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, false, fmt.Errorf("read %s: %w", path, err)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return nil, false, fmt.Errorf("generate secret: %w", err)
	}
	key := hex.EncodeToString(raw)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, false, fmt.Errorf("create %s: %w", dir, err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		// Another process created it first; use theirs.
		return loadOrCreate(dir, name)
	}
	if err != nil {
		return nil, false, fmt.Errorf("create %s: %w", path, err)
	}
	// Every link in every email is signed with the key, and the password is
	// printed once: either must be on disk before it is used, or a crash
	// would lose it.
	_, err = f.WriteString(key + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(path) // a half-written key must not be read next time
		return nil, false, fmt.Errorf("write %s: %w", path, err)
	}
	return []byte(key), true, nil
}
