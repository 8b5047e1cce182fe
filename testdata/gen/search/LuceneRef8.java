// LuceneRef8 produces the Lucene 8 reference outputs that fmkit's search
// package is tested against (similarity "lucene8"), using Lucene 8.8.1 from
// Debian's liblucene8-java, unpacked rather than installed (see
// run_lucene8_ref.sh).
//
// Modes:
//
//   norms MAX OUT                  for each length 0..MAX, the length Lucene 8's
//                                  BM25 sees after SmallFloat.intToByte4/byte4ToInt
//   index JSONL DIR K1 B THREADS   index JSONL records (id, contents, raw record)
//   search DIR QUERIES OUT K1 B    top-10 ids and scores and the exact total
//                                  hit count of each query line
//   bench DIR QUERIES K1 B WARMUP ROUNDS   top-10 latency percentiles after warm-up,
//                                  searching as IndexSearcher.search(q, 10) does
//                                  (block-max WAND once 1000 hits are counted)
//
// The index uses EnglishAnalyzer (StandardTokenizer, EnglishPossessiveFilter,
// LowerCaseFilter, StopFilter with the English stop set, PorterStemFilter) on
// the "contents" field and BM25Similarity(k1, b) at index and search time.
// With THREADS=1 documents are added in file order with a merge policy that
// merges adjacent segments only, so doc ids follow record order and ties
// break as in fmkit. Queries go through the classic QueryParser with
// splitOnWhitespace=true (Lucene 4's behaviour, which fmkit's parser follows)
// and default operator OR.

import java.io.*;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.util.*;
import java.util.concurrent.*;
import java.util.concurrent.atomic.*;

import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.document.*;
import org.apache.lucene.index.*;
import org.apache.lucene.queryparser.classic.QueryParser;
import org.apache.lucene.search.*;
import org.apache.lucene.search.similarities.BM25Similarity;
import org.apache.lucene.store.*;
import org.apache.lucene.util.SmallFloat;

public class LuceneRef8 {
    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "norms": norms(Integer.parseInt(args[1]), args[2]); break;
            case "index": index(args[1], args[2], Float.parseFloat(args[3]), Float.parseFloat(args[4]), Integer.parseInt(args[5])); break;
            case "search": search(args[1], args[2], args[3], Float.parseFloat(args[4]), Float.parseFloat(args[5])); break;
            case "bench": bench(args[1], args[2], Float.parseFloat(args[3]), Float.parseFloat(args[4]), Integer.parseInt(args[5]), Integer.parseInt(args[6])); break;
            default: throw new IllegalArgumentException("unknown mode " + args[0]);
        }
    }

    // ---- norms ----

    static void norms(int max, String outPath) throws IOException {
        try (Writer out = new BufferedWriter(new OutputStreamWriter(new FileOutputStream(outPath), StandardCharsets.UTF_8))) {
            for (int i = 0; i <= max; i++) {
                byte b = SmallFloat.intToByte4(i);
                out.write(i + " " + (b & 0xFF) + " " + SmallFloat.byte4ToInt(b) + "\n");
            }
        }
    }

    // ---- index ----

    static void index(String jsonl, String dir, float k1, float b, int threads) throws Exception {
        IndexWriterConfig cfg = new IndexWriterConfig(new EnglishAnalyzer());
        cfg.setSimilarity(new BM25Similarity(k1, b));
        cfg.setOpenMode(IndexWriterConfig.OpenMode.CREATE);
        cfg.setRAMBufferSizeMB(256);
        cfg.setMergePolicy(new LogByteSizeMergePolicy());
        long t0 = System.nanoTime();
        AtomicLong bytes = new AtomicLong();
        try (Directory d = FSDirectory.open(Paths.get(dir)); IndexWriter w = new IndexWriter(d, cfg);
             BufferedReader in = Files.newBufferedReader(Paths.get(jsonl), StandardCharsets.UTF_8)) {
            if (threads <= 1) {
                String line;
                while ((line = in.readLine()) != null) {
                    bytes.addAndGet(addRecord(w, line));
                }
            } else {
                ExecutorService pool = Executors.newFixedThreadPool(threads);
                BlockingQueue<String> q = new ArrayBlockingQueue<>(4096);
                List<Future<?>> fs = new ArrayList<>();
                for (int i = 0; i < threads; i++) {
                    fs.add(pool.submit(() -> {
                        for (;;) {
                            String line = q.take();
                            if (line.isEmpty()) return null;
                            bytes.addAndGet(addRecord(w, line));
                        }
                    }));
                }
                String line;
                while ((line = in.readLine()) != null) if (!line.isEmpty()) q.put(line);
                for (int i = 0; i < threads; i++) q.put("");
                for (Future<?> f : fs) f.get();
                pool.shutdown();
            }
            w.forceMerge(1);
            w.commit();
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        System.out.printf(Locale.ROOT, "{\"seconds\":%.3f,\"contents_bytes\":%d,\"mb_per_s\":%.3f}%n", secs, bytes.get(), bytes.get() / 1e6 / secs);
    }

    static long addRecord(IndexWriter w, String line) throws IOException {
        Map<String, Object> rec = Json.parseObject(line);
        String id = (String) rec.get("id");
        String contents = (String) rec.get("contents");
        Document doc = new Document();
        doc.add(new StringField("id", id, Field.Store.YES));
        doc.add(new TextField("contents", contents, Field.Store.NO));
        doc.add(new StoredField("raw", line));
        w.addDocument(doc);
        return contents.getBytes(StandardCharsets.UTF_8).length;
    }

    // ---- search ----

    static IndexSearcher searcher(String dir, float k1, float b) throws IOException {
        IndexSearcher s = new IndexSearcher(DirectoryReader.open(FSDirectory.open(Paths.get(dir))));
        s.setSimilarity(new BM25Similarity(k1, b));
        return s;
    }

    static Query parse(String q) throws Exception {
        QueryParser p = new QueryParser("contents", new EnglishAnalyzer());
        p.setSplitOnWhitespace(true);
        return p.parse(q);
    }

    static void search(String dir, String queries, String outPath, float k1, float b) throws Exception {
        IndexSearcher s = searcher(dir, k1, b);
        try (Writer out = new BufferedWriter(new OutputStreamWriter(new FileOutputStream(outPath), StandardCharsets.UTF_8))) {
            for (String q : Files.readAllLines(Paths.get(queries), StandardCharsets.UTF_8)) {
                // Count every hit, so that the total is exact.
                TopScoreDocCollector c = TopScoreDocCollector.create(10, Integer.MAX_VALUE);
                s.search(parse(q), c);
                TopDocs td = c.topDocs();
                StringBuilder sb = new StringBuilder();
                sb.append("{\"query\":").append(quote(q)).append(",\"total\":").append(td.totalHits.value).append(",\"hits\":[");
                for (int i = 0; i < td.scoreDocs.length; i++) {
                    ScoreDoc sd = td.scoreDocs[i];
                    if (i > 0) sb.append(',');
                    sb.append('[').append(quote(s.doc(sd.doc).get("id"))).append(',').append(String.format(Locale.ROOT, "%.9g", sd.score)).append(']');
                }
                sb.append("]}\n");
                out.write(sb.toString());
            }
        }
    }

    // bench times each query's top-10 search plus reading the hits' ids,
    // after WARMUP untimed rounds over all queries; a query's latency is
    // its median over ROUNDS timed rounds. Prints p50 and p99 over queries.
    static void bench(String dir, String queries, float k1, float b, int warmup, int rounds) throws Exception {
        IndexSearcher s = searcher(dir, k1, b);
        List<String> texts = Files.readAllLines(Paths.get(queries), StandardCharsets.UTF_8);
        long sink = 0;
        for (int r = 0; r < warmup; r++) for (String q : texts) sink += run(s, q);
        double[][] lat = new double[texts.size()][rounds];
        for (int r = 0; r < rounds; r++) {
            for (int i = 0; i < texts.size(); i++) {
                long t0 = System.nanoTime();
                sink += run(s, texts.get(i));
                lat[i][r] = (System.nanoTime() - t0) / 1e6;
            }
        }
        double[] med = new double[texts.size()];
        for (int i = 0; i < med.length; i++) {
            Arrays.sort(lat[i]);
            med[i] = lat[i][rounds / 2];
        }
        Arrays.sort(med);
        System.out.printf(Locale.ROOT, "{\"queries\":%d,\"p50_ms\":%.4f,\"p99_ms\":%.4f,\"mean_ms\":%.4f,\"sink\":%d}%n",
            med.length, med[(int) Math.round(0.50 * (med.length - 1))], med[(int) Math.round(0.99 * (med.length - 1))], Arrays.stream(med).average().orElse(0), sink);
    }

    // run parses and searches q and reads the ids of the top 10.
    static long run(IndexSearcher s, String q) throws Exception {
        TopDocs td = s.search(parse(q), 10);
        long n = td.totalHits.value;
        for (ScoreDoc sd : td.scoreDocs) n += s.doc(sd.doc).get("id").length();
        return n;
    }

    static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') sb.append('\\').append(c);
            else if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
            else sb.append(c);
        }
        return sb.append('"').toString();
    }

    // Json is a minimal JSON reader for the records' objects, strings and numbers.
    static final class Json {
        final String s;
        int i;

        Json(String s) { this.s = s; }

        @SuppressWarnings("unchecked")
        static Map<String, Object> parseObject(String s) {
            return (Map<String, Object>) new Json(s).value();
        }

        void ws() { while (i < s.length() && Character.isWhitespace(s.charAt(i))) i++; }

        Object value() {
            ws();
            char c = s.charAt(i);
            if (c == '{') {
                Map<String, Object> m = new LinkedHashMap<>();
                i++;
                ws();
                if (s.charAt(i) == '}') { i++; return m; }
                for (;;) {
                    ws();
                    String k = string();
                    ws();
                    i++; // ':'
                    m.put(k, value());
                    ws();
                    if (s.charAt(i++) == '}') return m;
                }
            }
            if (c == '[') {
                List<Object> l = new ArrayList<>();
                i++;
                ws();
                if (s.charAt(i) == ']') { i++; return l; }
                for (;;) {
                    l.add(value());
                    ws();
                    if (s.charAt(i++) == ']') return l;
                }
            }
            if (c == '"') return string();
            int st = i;
            while (i < s.length() && ",}] \t\n\r".indexOf(s.charAt(i)) < 0) i++;
            return s.substring(st, i);
        }

        String string() {
            StringBuilder sb = new StringBuilder();
            i++; // opening quote
            for (;;) {
                char c = s.charAt(i++);
                if (c == '"') return sb.toString();
                if (c != '\\') { sb.append(c); continue; }
                char e = s.charAt(i++);
                switch (e) {
                    case 'n': sb.append('\n'); break;
                    case 't': sb.append('\t'); break;
                    case 'r': sb.append('\r'); break;
                    case 'b': sb.append('\b'); break;
                    case 'f': sb.append('\f'); break;
                    case 'u': sb.append((char) Integer.parseInt(s.substring(i, i + 4), 16)); i += 4; break;
                    default: sb.append(e);
                }
            }
        }
    }
}
