package safetensors

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Checkpoint is a set of safetensors files that together hold a model's
// weights: one model.safetensors, or the shards that
// model.safetensors.index.json lists.
type Checkpoint struct {
	files []*File
	where map[string]*File
}

// Changed reports the first file of the checkpoint that changed on disk
// since it was opened (see File.Changed).
func (c *Checkpoint) Changed() error {
	for _, f := range c.files {
		if err := f.Changed(); err != nil {
			return err
		}
	}
	return nil
}

// IndexFile and SingleFile are the names Hugging Face uses for a sharded and
// an unsharded checkpoint.
const (
	IndexFile  = "model.safetensors.index.json"
	SingleFile = "model.safetensors"
)

// OpenCheckpoint opens the weights in dir: the shards named by
// model.safetensors.index.json when it exists, else model.safetensors. Every
// tensor the index names must be present in its shard.
func OpenCheckpoint(dir string) (*Checkpoint, error) {
	indexPath := filepath.Join(dir, IndexFile)
	if _, err := os.Stat(indexPath); err == nil {
		return openSharded(dir, indexPath)
	}
	single := filepath.Join(dir, SingleFile)
	if _, err := os.Stat(single); err != nil {
		return nil, fmt.Errorf("safetensors: %s has neither %s nor %s", dir, SingleFile, IndexFile)
	}
	f, err := Open(single)
	if err != nil {
		return nil, err
	}
	c := &Checkpoint{files: []*File{f}, where: map[string]*File{}}
	for _, t := range f.Tensors() {
		c.where[t.Name] = f
	}
	return c, nil
}

type index struct {
	WeightMap map[string]string `json:"weight_map"`
}

func openSharded(dir, indexPath string) (*Checkpoint, error) {
	b, err := os.ReadFile(indexPath)
	if err != nil {
		return nil, err
	}
	var idx index
	if err := json.Unmarshal(b, &idx); err != nil {
		return nil, fmt.Errorf("%s: %w", indexPath, formatErr("", "not a JSON object with a weight_map: %v", err))
	}
	if len(idx.WeightMap) == 0 {
		return nil, fmt.Errorf("%s: %w", indexPath, formatErr("", "weight_map is missing or empty"))
	}
	c := &Checkpoint{where: make(map[string]*File, len(idx.WeightMap))}
	shards := map[string]*File{}
	for _, name := range sortedNames(idx.WeightMap) {
		shard := idx.WeightMap[name]
		if shard == "" || shard != filepath.Base(shard) || strings.HasPrefix(shard, ".") {
			c.Close()
			return nil, fmt.Errorf("%s: %w", indexPath, formatErr(name, "shard %q is not a file name in the model directory", shard))
		}
		f, ok := shards[shard]
		if !ok {
			if f, err = Open(filepath.Join(dir, shard)); err != nil {
				c.Close()
				return nil, err
			}
			shards[shard] = f
			c.files = append(c.files, f)
		}
		if _, ok := f.Tensor(name); !ok {
			c.Close()
			return nil, fmt.Errorf("%s: %w", indexPath, formatErr(name, "listed in shard %s, which does not contain it", shard))
		}
		c.where[name] = f
	}
	return c, nil
}

// Tensor returns the named tensor from whichever file holds it.
func (c *Checkpoint) Tensor(name string) (Tensor, bool) {
	f, ok := c.where[name]
	if !ok {
		return Tensor{}, false
	}
	return f.Tensor(name)
}

// Names returns the names of all tensors, sorted.
func (c *Checkpoint) Names() []string { return sortedNames(c.where) }

// Files returns the open files.
func (c *Checkpoint) Files() []*File { return c.files }

// DataSize returns the total size in bytes of the tensor data.
func (c *Checkpoint) DataSize() int64 {
	var n int64
	for _, f := range c.files {
		n += f.DataSize()
	}
	return n
}

// Close unmaps every file.
func (c *Checkpoint) Close() error {
	var errs []error
	for _, f := range c.files {
		errs = append(errs, f.Close())
	}
	return errors.Join(errs...)
}
