// LuceneRef produces the reference outputs that fmkit's search package is
// tested against, using Lucene 4.10 itself (Debian liblucene4.10-java).
//
// Modes (see run_lucene_ref.sh for the exact invocations):
//
//   analyze ANALYZER WORDS OUT      tokens of each line of WORDS, one JSON line each
//                                   (ANALYZER: english, standard, cjk, tokenizer)
//   probe OUT                       StandardTokenizer behaviour of every code point
//                                   in a few contexts, run-length encoded
//   index JSONL DIR K1 B THREADS    index JSONL records (id, contents, raw record)
//   search DIR QUERIES OUT K1 B     top-10 ids and scores for each query line
//   bench DIR QUERIES K1 B WARMUP ROUNDS   top-10 latency percentiles after warm-up
//
// The index uses EnglishAnalyzer (StandardTokenizer, EnglishPossessiveFilter,
// LowerCaseFilter, StopFilter with the English stop set, PorterStemFilter) on
// the "contents" field and BM25Similarity(k1, b) at index and search time.
// Documents are added in file order by one thread (THREADS=1) with a
// merge policy that merges adjacent segments only, so Lucene's doc ids equal
// the record order and ties in the top 10 break the same way as in fmkit.

import java.io.*;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.util.*;
import java.util.concurrent.*;
import java.util.concurrent.atomic.*;

import org.apache.lucene.analysis.*;
import org.apache.lucene.analysis.cjk.CJKAnalyzer;
import org.apache.lucene.analysis.core.LowerCaseFilter;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.analysis.standard.StandardTokenizer;
import org.apache.lucene.analysis.tokenattributes.*;
import org.apache.lucene.document.*;
import org.apache.lucene.index.*;
import org.apache.lucene.queryparser.classic.QueryParser;
import org.apache.lucene.search.*;
import org.apache.lucene.search.similarities.BM25Similarity;
import org.apache.lucene.store.*;
import org.apache.lucene.util.Version;

public class LuceneRef {
    static final Version V = Version.LUCENE_4_10_4;

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "analyze": analyze(args[1], args[2], args[3]); break;
            case "probe": probe(args[1]); break;
            case "index": index(args[1], args[2], Float.parseFloat(args[3]), Float.parseFloat(args[4]), Integer.parseInt(args[5])); break;
            case "search": search(args[1], args[2], args[3], Float.parseFloat(args[4]), Float.parseFloat(args[5])); break;
            case "bench": bench(args[1], args[2], Float.parseFloat(args[3]), Float.parseFloat(args[4]), Integer.parseInt(args[5]), Integer.parseInt(args[6])); break;
            default: throw new IllegalArgumentException("unknown mode " + args[0]);
        }
    }

    static Analyzer analyzer(String name) {
        switch (name) {
            case "english": return new EnglishAnalyzer(V);
            case "cjk": return new CJKAnalyzer(V);
            case "standard": return new Analyzer() {
                @Override protected TokenStreamComponents createComponents(String f, Reader r) {
                    Tokenizer t = new StandardTokenizer(V, r);
                    return new TokenStreamComponents(t, new LowerCaseFilter(V, t));
                }
            };
            case "tokenizer": return new Analyzer() {
                @Override protected TokenStreamComponents createComponents(String f, Reader r) {
                    Tokenizer t = new StandardTokenizer(V, r);
                    return new TokenStreamComponents(t, t);
                }
            };
            default: throw new IllegalArgumentException("unknown analyzer " + name);
        }
    }

    // ---- analyze ----

    static void analyze(String name, String wordsPath, String outPath) throws IOException {
        Analyzer a = analyzer(name);
        try (BufferedReader in = Files.newBufferedReader(Paths.get(wordsPath), StandardCharsets.UTF_8);
             Writer out = new BufferedWriter(new OutputStreamWriter(new FileOutputStream(outPath), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                String text = unescape(line);
                StringBuilder sb = new StringBuilder();
                sb.append("{\"text\":").append(quote(text)).append(",\"tokens\":[");
                boolean first = true;
                for (String[] t : tokens(a, text)) {
                    if (!first) sb.append(',');
                    first = false;
                    sb.append('[').append(quote(t[0])).append(',').append(quote(t[1])).append(',').append(t[2]).append(']');
                }
                sb.append("]}\n");
                out.write(sb.toString());
            }
        }
    }

    static List<String[]> tokens(Analyzer a, String text) throws IOException {
        List<String[]> res = new ArrayList<>();
        try (TokenStream ts = a.tokenStream("contents", text)) {
            CharTermAttribute term = ts.addAttribute(CharTermAttribute.class);
            TypeAttribute type = ts.addAttribute(TypeAttribute.class);
            PositionIncrementAttribute inc = ts.addAttribute(PositionIncrementAttribute.class);
            ts.reset();
            while (ts.incrementToken()) {
                res.add(new String[] {term.toString(), type.type(), Integer.toString(inc.getPositionIncrement())});
            }
            ts.end();
        }
        return res;
    }

    // Lines of the word list may spell characters as \\uXXXX or \\U{XXXXX}.
    static String unescape(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length() && s.charAt(i + 1) == 'u' && i + 5 < s.length()) {
                sb.append((char) Integer.parseInt(s.substring(i + 2, i + 6), 16));
                i += 5;
            } else if (c == '\\' && i + 2 < s.length() && s.charAt(i + 1) == 'U' && s.charAt(i + 2) == '{') {
                int end = s.indexOf('}', i);
                sb.appendCodePoint(Integer.parseInt(s.substring(i + 3, end), 16));
                i = end;
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') sb.append('\\').append(c);
            else if (c < 0x20 || (c >= 0xD800 && c <= 0xDFFF && !validSurrogate(s, i))) sb.append(String.format("\\u%04x", (int) c));
            else sb.append(c);
        }
        return sb.append('"').toString();
    }

    static boolean validSurrogate(String s, int i) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c)) return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
        return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
    }

    // ---- probe ----

    // Contexts a code point X is tokenized in. The signature of X is the
    // token list of every context with X written as "X", so code points that
    // behave alike get equal signatures and the output run-length encodes.
    static final String[] CONTEXTS = {
        "X", "XX", "aXa", "aX", "Xa", "1X1", "1X", "X1", "\u05D0X\u05D0", "\u05D0X",
        "\u30A2X", "X\u30A2", "\u30A2X\u30A2", "_X", "X_", "\u0E01X", "X\u0E01", "\uAC00X", "X\uAC00",
        "\u4E00X", "\u3042X", "\uD83C\uDDE6X", "X\uD83C\uDDE6",
    };

    static void probe(String outPath) throws IOException {
        Analyzer a = analyzer("tokenizer");
        try (Writer out = new BufferedWriter(new OutputStreamWriter(new FileOutputStream(outPath), StandardCharsets.UTF_8))) {
            String prev = null;
            int start = 0;
            for (int cp = 0; cp <= 0x110000; cp++) {
                String sig = cp == 0x110000 ? "" : signature(a, cp);
                if (prev != null && !sig.equals(prev)) {
                    out.write(String.format("%X %X %s\n", start, cp - 1, prev));
                    start = cp;
                }
                if (prev == null || !sig.equals(prev)) {
                    prev = sig;
                    start = cp;
                }
            }
        }
    }

    static String signature(Analyzer a, int cp) throws IOException {
        if (cp >= 0xD800 && cp <= 0xDFFF) return "surrogate";
        String x = new String(Character.toChars(cp));
        StringBuilder sb = new StringBuilder();
        for (String ctx : CONTEXTS) {
            String text = ctx.replace("X", x);
            for (String[] t : tokens(a, text)) {
                sb.append(t[0].replace(x, "X")).append('/').append(t[1].replaceAll("[<>]", "")).append(' ');
            }
            sb.append('|');
        }
        return sb.toString().replace("\n", "\\n").replace("\r", "\\r");
    }

    // ---- index ----

    static void index(String jsonl, String dir, float k1, float b, int threads) throws Exception {
        IndexWriterConfig cfg = new IndexWriterConfig(V, new EnglishAnalyzer(V));
        cfg.setSimilarity(new BM25Similarity(k1, b));
        cfg.setOpenMode(IndexWriterConfig.OpenMode.CREATE);
        cfg.setRAMBufferSizeMB(256);
        cfg.setMergePolicy(new LogByteSizeMergePolicy());
        long t0 = System.nanoTime();
        AtomicLong bytes = new AtomicLong();
        try (Directory d = FSDirectory.open(new File(dir)); IndexWriter w = new IndexWriter(d, cfg);
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
        IndexSearcher s = new IndexSearcher(DirectoryReader.open(FSDirectory.open(new File(dir))));
        s.setSimilarity(new BM25Similarity(k1, b));
        return s;
    }

    static Query parse(String q) throws Exception {
        QueryParser p = new QueryParser(V, "contents", new EnglishAnalyzer(V));
        return p.parse(q);
    }

    static void search(String dir, String queries, String outPath, float k1, float b) throws Exception {
        IndexSearcher s = searcher(dir, k1, b);
        try (Writer out = new BufferedWriter(new OutputStreamWriter(new FileOutputStream(outPath), StandardCharsets.UTF_8))) {
            for (String q : Files.readAllLines(Paths.get(queries), StandardCharsets.UTF_8)) {
                TopDocs td = s.search(parse(q), 10);
                StringBuilder sb = new StringBuilder();
                sb.append("{\"query\":").append(quote(q)).append(",\"total\":").append(td.totalHits).append(",\"hits\":[");
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
        long n = td.totalHits;
        for (ScoreDoc sd : td.scoreDocs) n += s.doc(sd.doc).get("id").length();
        return n;
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
