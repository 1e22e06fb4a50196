// An independent client for the cluster suite: Apache Kafka's own Java AdminClient (not kafkajs,
// not our code) asks the cluster for metadata with whatever security the arguments give.
//   java -cp '.kafka/lib/*' test/cluster/MetadataProbe.java <bootstrap> <what> <seconds> [key=value ...]
// <what>: "topics" (list topic names), "topic:<name>" (describe one topic), "read:<name>" (fetch
// its records, no consumer group) or "group:<id>" (the group's committed offsets). Prints "OK ..." or "REFUSED <exception>: <message>"; exit 0 / 2.
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.time.Duration;
import java.util.ArrayList;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

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
    if (what.startsWith("read:")) {
      p.put("key.deserializer", ByteArrayDeserializer.class.getName());
      p.put("value.deserializer", ByteArrayDeserializer.class.getName());
      p.put("enable.auto.commit", "false");
      try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p)) {
        String topic = what.substring(5);
        List<TopicPartition> parts = new ArrayList<>();
        for (PartitionInfo i : consumer.partitionsFor(topic, Duration.ofSeconds(seconds)))
          parts.add(new TopicPartition(topic, i.partition()));
        consumer.assign(parts);
        consumer.seekToBeginning(parts);
        int n = consumer.poll(Duration.ofSeconds(seconds)).count();
        System.out.println("OK read " + n + " records of " + topic);
        System.exit(0);
      } catch (Exception e) {
        System.out.println("REFUSED " + e.getClass().getSimpleName() + ": " + e.getMessage());
        System.exit(2);
      }
    }
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
