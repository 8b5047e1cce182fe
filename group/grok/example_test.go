package grok_test

import (
	"context"
	"fmt"
	"os"

	"github.com/fmkit/fmkit/group/grok"
)

// The task: every pair of elements of S_4, labelled with their product,
// with a seeded 40% of the pairs for training.
func Example() {
	d, err := grok.NewDataset(4)
	if err != nil {
		fmt.Println(err)
		return
	}
	split, err := grok.NewSplit(d, 0.4, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	l, r := d.Pair(100)
	fmt.Println(d.Order(), d.Pairs(), len(split.Train), len(split.Test))
	fmt.Printf("%v·%v = %v\n", d.Elements[l], d.Elements[r], d.Elements[d.Target[100]])
	// Output:
	// 24 576 230 346
	// [1 2 0 3]·[1 2 0 3] = [2 0 1 3]
}

// Training a small model on S_3 for 20 epochs: a run directory with the
// paper's hyperparameters, trained and then read back.
func ExampleTrainer() {
	dir, err := os.MkdirTemp("", "sn-run")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	cfg := grok.PaperConfig(3)
	cfg.EmbedDim, cfg.HiddenDim, cfg.Epochs, cfg.CheckpointEvery = 8, 8, 20, 10
	d, _ := grok.NewDataset(3)
	split, _ := grok.NewSplit(d, cfg.FracTrain, cfg.Seed)
	run, err := grok.CreateRun(dir, cfg, split)
	if err != nil {
		fmt.Println(err)
		return
	}
	tr, err := grok.NewTrainer(run, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer tr.Close()
	if err := tr.Train(context.Background(), nil); err != nil {
		fmt.Println(err)
		return
	}
	metrics, _ := run.Metrics()
	var epochs []int
	for _, c := range run.Checkpoints {
		epochs = append(epochs, c.Epoch)
	}
	fmt.Println("trained", tr.Epoch(), "epochs; logged", len(metrics), "lines; checkpoints at", epochs)
	// Output:
	// trained 20 epochs; logged 2 lines; checkpoints at [0 1 2 4 8 10 20]
}
