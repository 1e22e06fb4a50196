// An independent client for the cluster suite: Apache Kafka's own Java AdminClient (not kafkajs,
// not our code) asks the cluster for metadata with whatever security the arguments give.
//   java -cp '.kafka/lib/*' test/cluster/MetadataProbe.java <bootstrap> <what> <seconds> [key=value ...]
// <what>: "topics" (list topic names), "topic:<name>" (describe one topic) or "group:<id>" (the
// group's committed offsets). Prints "OK ..." or "REFUSED <exception>: <message>"; exit 0 / 2.
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;

public class MetadataProbe {
  public static void main(String[] args) throws Exception {
    Properties p = new Properties();
    int seconds = Integer.parseInt(args[2]);
    p.put("bootstrap.servers", args[0]);
    p.put("request.timeout.ms", String(seconds * 700));
    p.put("default.api.timeout.ms", String(seconds * 1000));
    for (int i = 3; i < args.length; i++) {
      int eq = args[i].indexOf('=');
      p.put(args[i].substring(0, eq), args[i].substring(eq + 1));
    }
    String what = args[1];
    try (Admin admin = Admin.create(p)) {
      if (what.equals("topics")) {
        int n = admin.listTopics().names().get(seconds, TimeUnit.SECONDS).size();
        System.out.println("OK " + n + " topics");
      } else if (what.startsWith("topic:")) {
        admin.describeTopics(List.of(what.substring(6))).allTopicNames().get(seconds, TimeUnit.SECONDS);
        System.out.println("OK described " + what);
      } else {
        admin.listConsumerGroupOffsets(what.substring(6)).partitionsToOffsetAndMetadata().get(seconds, TimeUnit.SECONDS);
        System.out.println("OK offsets of " + what);
      }
      System.exit(0);
    } catch (Exception e) {
      Throwable c = e.getCause() != null ? e.getCause() : e;
      System.out.println("REFUSED " + c.getClass().getSimpleName() + ": " + c.getMessage());
      System.exit(2);
    }
  }

  private static String String(int n) {
    return Integer.toString(n);
  }
}
