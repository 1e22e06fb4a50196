package xietong.conformance;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Command line of the independent conformance checker. Each command prints one line per item
 * ("ok ..." or "FAIL ...") and exits 1 if any item failed, 2 on a usage error.
 *
 * <pre>
 *   fingerprints FILE.avsc...           Parsing Canonical Form fingerprints (CRC-64-AVRO, SHA-256)
 *   example WIRE-FORMAT.md SCHEMAS-DIR  decode and verify the worked example of the page
 *   check VECTORS-DIR                   verify every record vector, the manifest and the JWE
 *   write VECTORS-DIR OUT-DIR [NOW]     write records of our own, signed with the sender's keys
 * </pre>
 */
public final class Checker {
  private Checker() {}

  public static void main(String[] args) throws Exception {
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    if (args.length == 0) {
      usage(out);
      System.exit(2);
    }
    List<String> rest = new ArrayList<>(Arrays.asList(args).subList(1, args.length));
    Report report = new Report(out);
    switch (args[0]) {
      case "fingerprints":
        for (String file : rest) Fingerprints.print(Path.of(file), out);
        break;
      case "example":
        need(rest, 2);
        WorkedExample.check(Files.readString(Path.of(rest.get(0))), Path.of(rest.get(1)), report);
        break;
      case "check":
        need(rest, 1);
        VectorCheck.run(Path.of(rest.get(0)), report);
        break;
      case "write":
        need(rest, 2);
        RecordWriter.run(Path.of(rest.get(0)), Path.of(rest.get(1)), rest.size() > 2 ? rest.get(2) : null, report);
        break;
      default:
        usage(out);
        System.exit(2);
    }
    out.println(report.passed + " passed, " + report.failed + " failed");
    System.exit(report.failed == 0 ? 0 : 1);
  }

  private static void need(List<String> rest, int n) {
    if (rest.size() < n) {
      usage(System.err);
      System.exit(2);
    }
  }

  private static void usage(PrintStream out) {
    out.println("usage: checker fingerprints FILE.avsc... | example WIRE-FORMAT.md SCHEMAS-DIR"
        + " | check VECTORS-DIR | write VECTORS-DIR OUT-DIR [NOW]");
  }

  /** Counts and prints the outcome of each item checked. */
  static final class Report {
    final PrintStream out;
    int passed;
    int failed;

    Report(PrintStream out) {
      this.out = out;
    }

    void ok(String what) {
      passed++;
      out.println("ok " + what);
    }

    void fail(String what) {
      failed++;
      out.println("FAIL " + what);
    }

    void expect(boolean condition, String what) {
      if (condition) ok(what);
      else fail(what);
    }
  }
}
