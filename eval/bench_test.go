package eval

import (
	"fmt"
	"io/fs"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/fmkit/fmkit/data"
	"github.com/fmkit/fmkit/eval/tasks"
)

// syntheticKMMLU returns the 45 KMMLU tasks with synthetic documents of the
// real sizes: 35,030 test questions in total and 5 dev questions per
// subject, questions of typical length (~300 bytes of Korean).
func syntheticKMMLU(tb testing.TB) *Suite {
	ix := testIndexTB(tb)
	s, err := ix.Load([]string{"kmmlu"})
	if err != nil {
		tb.Fatal(err)
	}
	cols := []string{"question", "answer", "A", "B", "C", "D", "Category", "Human Accuracy"}
	total := 35030
	per := total / len(s.Tasks)
	q := strings.Repeat("다음 중 회계 처리에 관한 설명으로 옳은 것은? ", 5)
	mk := func(task, i int) data.Doc {
		return data.Doc{Columns: cols, Values: []any{fmt.Sprintf("%s %d-%d", q, task, i), int64(i%4 + 1), "선택지 가 " + fmt.Sprint(i), "선택지 나", "선택지 다", "선택지 라", "HUMSS", 0.5}}
	}
	for ti, t := range s.Tasks {
		n := per
		if ti == 0 {
			n += total - per*len(s.Tasks)
		}
		docs := make([]data.Doc, n)
		for i := range docs {
			docs[i] = mk(ti, i)
		}
		dev := make([]data.Doc, 5)
		for i := range dev {
			dev[i] = mk(ti, 100000+i)
		}
		t.SetDocs(docs, dev)
		t.NumFewshot = 5
	}
	return s
}

func testIndexTB(tb testing.TB) *Index {
	t, ok := tb.(*testing.T)
	if ok {
		return testIndex(t)
	}
	ix, err := NewIndex(TaskSource{Name: "builtin", FS: builtinTasks()})
	if err != nil {
		tb.Fatal(err)
	}
	return ix
}

// BenchmarkBuildRequestsKMMLU5Shot builds every request of the full-size
// KMMLU test set, 5-shot (35,030 documents x 4 choices).
func BenchmarkBuildRequestsKMMLU5Shot(b *testing.B) {
	s := syntheticKMMLU(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		n := 0
		for _, t := range s.Tasks {
			docs, err := t.BuildRequests(Options{})
			if err != nil {
				b.Fatal(err)
			}
			for _, d := range docs {
				n += len(d.Insts)
			}
		}
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		b.ReportMetric(float64(n), "requests")
		b.ReportMetric(time.Since(start).Seconds(), "s/build")
		b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "MiB-heap")
	}
}

func builtinTasks() fs.FS { return tasks.FS() }
