package cache

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the pure-Go "sqlite" driver
)

// schema creates the one table the cache needs. Keys are SHA-256 digests of
// the request; model and kind are kept beside them for stats and pruning.
// WITHOUT ROWID stores rows in the primary-key B-tree itself, so a lookup
// touches one tree.
const schema = `
CREATE TABLE IF NOT EXISTS fmkit_cache_meta (
	name  TEXT PRIMARY KEY,
	value TEXT NOT NULL
);
INSERT OR IGNORE INTO fmkit_cache_meta(name, value) VALUES ('schema', '1');
CREATE TABLE IF NOT EXISTS responses (
	key     BLOB PRIMARY KEY,
	model   TEXT NOT NULL,
	kind    INTEGER NOT NULL,
	value   BLOB NOT NULL,
	created INTEGER NOT NULL
) WITHOUT ROWID;
`

// Options tune a Cache and the models it wraps. A nil *Options means the
// defaults.
type Options struct {
	// ChunkSize is how many requests are sent at once to an inner model that
	// does not implement lm.Streamer; at most one chunk of finished work is
	// lost when such a run is interrupted. The default is 256.
	ChunkSize int
	// FlushInterval is the longest time a finished answer waits before it is
	// committed to the file. The default is 200ms.
	FlushInterval time.Duration
	// FlushRows commits as soon as this many answers wait. The default is
	// 4096.
	FlushRows int
	// BusyTimeout is how long a write waits for another process's
	// transaction before it fails. The default is 60s.
	BusyTimeout time.Duration
}

func (o *Options) withDefaults() Options {
	var r Options
	if o != nil {
		r = *o
	}
	if r.ChunkSize <= 0 {
		r.ChunkSize = 256
	}
	if r.FlushInterval <= 0 {
		r.FlushInterval = 200 * time.Millisecond
	}
	if r.FlushRows <= 0 {
		r.FlushRows = 4096
	}
	if r.BusyTimeout <= 0 {
		r.BusyTimeout = 60 * time.Second
	}
	return r
}

// Cache is an open cache file. Its methods are safe for concurrent use.
type Cache struct {
	path string
	opts Options
	db   *sql.DB

	mu       sync.Mutex
	pending  []entry
	writeErr error // sticky: the first failed commit

	kick    chan struct{}
	flushes chan chan error
	done    chan struct{}
	stopped chan struct{}
	closeMu sync.Once
}

type entry struct {
	key     key
	model   string
	kind    Kind
	value   []byte
	created int64
}

// Open opens the cache file at path, creating it (and its parent folders)
// if it does not exist.
// It fails if the file exists but is not an SQLite database or was written
// by something other than this package.
func Open(path string, opts *Options) (*Cache, error) {
	if path == "" {
		return nil, errors.New("cache: empty file name")
	}
	if strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("cache: file name %q: '?' and '#' are not allowed", path)
	}
	// Like every file fmkit writes, a new cache gets its folder: a run
	// pointed at runs/kmmlu.db should not fail because runs/ is missing.
	if err := os.MkdirAll(filepath.Dir(path), 0o777); err != nil {
		return nil, fmt.Errorf("cache: open %s: %w", path, err)
	}
	o := opts.withDefaults()
	dsn := fmt.Sprintf("%s?_busy_timeout=%d&_journal_mode=WAL&_synchronous=NORMAL&_txlock=immediate",
		path, o.BusyTimeout.Milliseconds())
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("cache: open %s: %w", path, err)
	}
	if err := initSchema(db); err != nil {
		db.Close()
		return nil, fmt.Errorf("cache: open %s: %w", path, err)
	}
	c := &Cache{
		path:    path,
		opts:    o,
		db:      db,
		kick:    make(chan struct{}, 1),
		flushes: make(chan chan error),
		done:    make(chan struct{}),
		stopped: make(chan struct{}),
	}
	go c.writeLoop()
	return c, nil
}

func initSchema(db *sql.DB) error {
	// A file from elsewhere that happens to have a table called responses
	// must not be written into.
	var n int
	err := db.QueryRow(`SELECT count(*) FROM sqlite_master WHERE type = 'table'`).Scan(&n)
	if err != nil {
		return err
	}
	if n > 0 {
		var version string
		err := db.QueryRow(`SELECT value FROM fmkit_cache_meta WHERE name = 'schema'`).Scan(&version)
		if err != nil {
			return fmt.Errorf("not an fmkit cache (no schema record): %w", err)
		}
		if version != "1" {
			return fmt.Errorf("cache schema version %s, this fmkit reads version 1", version)
		}
	}
	_, err = db.Exec(schema)
	return err
}

// Path is the file the cache was opened on.
func (c *Cache) Path() string { return c.path }

// Close commits what is pending and closes the file.
func (c *Cache) Close() error {
	var err error
	c.closeMu.Do(func() {
		close(c.done)
		<-c.stopped
		c.mu.Lock()
		err = c.writeErr
		c.mu.Unlock()
		if cerr := c.db.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("cache: close %s: %w", c.path, cerr)
		}
	})
	return err
}

// put queues an answer for the next commit.
func (c *Cache) put(e entry) {
	c.mu.Lock()
	c.pending = append(c.pending, e)
	full := len(c.pending) >= c.opts.FlushRows
	c.mu.Unlock()
	if full {
		select {
		case c.kick <- struct{}{}:
		default:
		}
	}
}

// Flush commits every answer queued before the call and returns the first
// commit error the cache has met, if any.
func (c *Cache) Flush() error {
	ack := make(chan error, 1)
	select {
	case c.flushes <- ack:
		return <-ack
	case <-c.stopped:
		return fmt.Errorf("cache: %s is closed", c.path)
	}
}

// failed returns the sticky commit error.
func (c *Cache) failed() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.writeErr
}

func (c *Cache) writeLoop() {
	defer close(c.stopped)
	tick := time.NewTicker(c.opts.FlushInterval)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			c.commitPending()
		case <-c.kick:
			c.commitPending()
		case ack := <-c.flushes:
			c.commitPending()
			ack <- c.failed()
		case <-c.done:
			c.commitPending()
			return
		}
	}
}

// commitPending writes the queued answers in one transaction. A failure is
// kept as the sticky error; the answers are dropped, since retrying a full
// disk forever would only hide the problem.
func (c *Cache) commitPending() {
	c.mu.Lock()
	batch := c.pending
	c.pending = nil
	c.mu.Unlock()
	if len(batch) == 0 {
		return
	}
	if err := c.commit(batch); err != nil {
		c.mu.Lock()
		if c.writeErr == nil {
			c.writeErr = fmt.Errorf("cache: write %s: %w", c.path, err)
		}
		c.mu.Unlock()
	}
}

// insertRows is how many rows one INSERT statement carries: fewer statement
// executions make commits several times faster than one row at a time.
const insertRows = 64

func (c *Cache) commit(batch []entry) error {
	ctx := context.Background()
	tx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	full, err := tx.PrepareContext(ctx, insertSQL(insertRows))
	if err != nil {
		return err
	}
	defer full.Close()
	args := make([]any, 0, 5*insertRows)
	for len(batch) > 0 {
		n := min(len(batch), insertRows)
		args = args[:0]
		for _, e := range batch[:n] {
			args = append(args, e.key[:], e.model, int64(e.kind), e.value, e.created)
		}
		if n == insertRows {
			_, err = full.ExecContext(ctx, args...)
		} else {
			_, err = tx.ExecContext(ctx, insertSQL(n), args...)
		}
		if err != nil {
			return err
		}
		batch = batch[n:]
	}
	return tx.Commit()
}

func insertSQL(rows int) string {
	var b strings.Builder
	b.WriteString("INSERT OR REPLACE INTO responses(key, model, kind, value, created) VALUES ")
	for i := range rows {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("(?,?,?,?,?)")
	}
	return b.String()
}

// lookupChunk is how many keys one SELECT asks for.
const lookupChunk = 512

// lookup calls found for every key present in the file, with its index in
// keys and its stored value (valid only during the call).
func (c *Cache) lookup(ctx context.Context, keys []key, found func(i int, value []byte)) error {
	if len(keys) == 0 {
		return nil
	}
	index := make(map[key]int, len(keys))
	for i, k := range keys {
		index[k] = i
	}
	conn, err := c.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("cache: read %s: %w", c.path, err)
	}
	defer conn.Close()
	// One read transaction sees one snapshot and takes the WAL read lock
	// once instead of once per statement.
	tx, err := conn.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("cache: read %s: %w", c.path, err)
	}
	defer tx.Rollback()
	full, err := tx.PrepareContext(ctx, selectSQL(lookupChunk))
	if err != nil {
		return fmt.Errorf("cache: read %s: %w", c.path, err)
	}
	defer full.Close()
	args := make([]any, 0, lookupChunk)
	for start := 0; start < len(keys); start += lookupChunk {
		end := min(start+lookupChunk, len(keys))
		args = args[:0]
		for i := start; i < end; i++ {
			args = append(args, keys[i][:])
		}
		var rows *sql.Rows
		if end-start == lookupChunk {
			rows, err = full.QueryContext(ctx, args...)
		} else {
			rows, err = tx.QueryContext(ctx, selectSQL(end-start), args...)
		}
		if err != nil {
			return fmt.Errorf("cache: read %s: %w", c.path, err)
		}
		for rows.Next() {
			var k, v sql.RawBytes
			if err := rows.Scan(&k, &v); err != nil {
				rows.Close()
				return fmt.Errorf("cache: read %s: %w", c.path, err)
			}
			if len(k) != len(key{}) {
				continue
			}
			if i, ok := index[key(k)]; ok {
				found(i, v)
			}
		}
		if err := rows.Close(); err != nil {
			return fmt.Errorf("cache: read %s: %w", c.path, err)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("cache: read %s: %w", c.path, err)
		}
	}
	return nil
}

func selectSQL(n int) string {
	var b strings.Builder
	b.WriteString("SELECT key, value FROM responses WHERE key IN (")
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('?')
	}
	b.WriteByte(')')
	return b.String()
}

// Group counts the entries of one model and request type.
type Group struct {
	Model   string
	Kind    Kind
	Entries int64
	// Bytes is the size of the stored answers, without keys and overhead.
	Bytes  int64
	Oldest time.Time
	Newest time.Time
}

// Stats describes a cache file.
type Stats struct {
	Path string
	// FileBytes is the size on disk of the database and its write-ahead log.
	FileBytes int64
	Entries   int64
	Groups    []Group
}

// Stats counts the entries by model and request type, ordered by model then
// kind.
func (c *Cache) Stats(ctx context.Context) (Stats, error) {
	if err := c.Flush(); err != nil {
		return Stats{}, err
	}
	st := Stats{Path: c.path}
	rows, err := c.db.QueryContext(ctx, `SELECT model, kind, count(*), sum(length(value)), min(created), max(created)
		FROM responses GROUP BY model, kind ORDER BY model, kind`)
	if err != nil {
		return Stats{}, fmt.Errorf("cache: stats %s: %w", c.path, err)
	}
	defer rows.Close()
	for rows.Next() {
		var g Group
		var kind, oldest, newest int64
		if err := rows.Scan(&g.Model, &kind, &g.Entries, &g.Bytes, &oldest, &newest); err != nil {
			return Stats{}, fmt.Errorf("cache: stats %s: %w", c.path, err)
		}
		g.Kind = Kind(kind)
		g.Oldest, g.Newest = time.Unix(oldest, 0), time.Unix(newest, 0)
		st.Groups = append(st.Groups, g)
		st.Entries += g.Entries
	}
	if err := rows.Err(); err != nil {
		return Stats{}, fmt.Errorf("cache: stats %s: %w", c.path, err)
	}
	for _, p := range []string{c.path, c.path + "-wal"} {
		if fi, err := os.Stat(p); err == nil {
			st.FileBytes += fi.Size()
		}
	}
	return st, nil
}

// Filter selects entries to prune. Zero fields match everything; a zero
// Filter matches every entry.
type Filter struct {
	// Model matches entries of the model with exactly this Name.
	Model string
	// Kind matches entries of one request type.
	Kind Kind
	// Before matches entries stored before this time.
	Before time.Time
}

// Prune deletes the entries that f matches, returns how many, and gives the
// freed space back to the file system.
func (c *Cache) Prune(ctx context.Context, f Filter) (int64, error) {
	if err := c.Flush(); err != nil {
		return 0, err
	}
	q := "DELETE FROM responses WHERE 1=1"
	var args []any
	if f.Model != "" {
		q += " AND model = ?"
		args = append(args, f.Model)
	}
	if f.Kind != 0 {
		q += " AND kind = ?"
		args = append(args, int64(f.Kind))
	}
	if !f.Before.IsZero() {
		q += " AND created < ?"
		args = append(args, f.Before.Unix())
	}
	res, err := c.db.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, fmt.Errorf("cache: prune %s: %w", c.path, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("cache: prune %s: %w", c.path, err)
	}
	if n > 0 {
		if _, err := c.db.ExecContext(ctx, "VACUUM"); err != nil {
			return n, fmt.Errorf("cache: prune %s: vacuum: %w", c.path, err)
		}
		if _, err := c.db.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
			return n, fmt.Errorf("cache: prune %s: checkpoint: %w", c.path, err)
		}
	}
	return n, nil
}
