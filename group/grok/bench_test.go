package grok_test

import (
	"math/rand/v2"
	"testing"

	"github.com/fmkit/fmkit/group"
	"github.com/fmkit/fmkit/group/grok"
)

// benchmarkFourierPower measures FourierPower on a model of the paper's
// shape: the neuron functions (two GEMMs) and the spectra of all 3·H
// functions (left, right, unembedding), with the transform built once.
func benchmarkFourierPower(b *testing.B, n, embed, hidden int) {
	d, err := grok.NewDataset(n)
	if err != nil {
		b.Fatal(err)
	}
	ft, err := group.NewFourier(n)
	if err != nil {
		b.Fatal(err)
	}
	m := grok.NewModel(d.Order(), embed, hidden, rand.New(rand.NewPCG(1, 1)))
	if _, err := grok.FourierPower(m, d, ft); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := grok.FourierPower(m, d, ft); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFourierPowerS5(b *testing.B) { benchmarkFourierPower(b, 5, 256, 128) }
func BenchmarkFourierPowerS6(b *testing.B) { benchmarkFourierPower(b, 6, 512, 256) }

// benchmarkTrainStep measures one training epoch (forward, backward and the
// AdamW step; no test evaluation) of the paper's configuration for S_n.
func benchmarkTrainStep(b *testing.B, n int) {
	cfg := grok.PaperConfig(n)
	d, err := grok.NewDataset(n)
	if err != nil {
		b.Fatal(err)
	}
	split, err := grok.NewSplit(d, cfg.FracTrain, cfg.Seed)
	if err != nil {
		b.Fatal(err)
	}
	r, err := grok.CreateRun(b.TempDir(), cfg, split)
	if err != nil {
		b.Fatal(err)
	}
	tr, err := grok.NewTrainer(r, nil)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := tr.Step(); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := tr.Step(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTrainEpochS4(b *testing.B) { benchmarkTrainStep(b, 4) }
func BenchmarkTrainEpochS5(b *testing.B) { benchmarkTrainStep(b, 5) }
