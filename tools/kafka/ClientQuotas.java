// Kafka client quotas of user principals through Apache Kafka's own Admin API (kafkajs has none).
// Compiled once and run by `xietong kafka apply` with the jars of .kafka/lib (KAFKA_TOOLS_LIB):
//   javac -cp "<kafka lib>/*" -d <classes> ClientQuotas.java; java -cp "<classes>:<kafka lib>/*" ClientQuotas < request.json
// The request comes on stdin, so no password is ever on a command line or in a file:
//   {"config": {"bootstrap.servers": "...", "sasl.jaas.config": "...", ...},
//    "command": "describe" | "alter",
//    "changes": [{"user": "341825", "set": {"producer_byte_rate": 1048576}, "remove": ["request_percentage"]}]}
// describe answers the quotas of every user-only entity (not user+client-id), the default user as
// "<default>": RESULT {"341825": {"producer_byte_rate": 1048576.0}, ...}; alter answers RESULT {"altered": n}.
// The answer is the last stdout line starting with RESULT (the client's own logging may precede it);
// a failure prints FAILED <exception>: <message> on stdout and exits 2.
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.quota.ClientQuotaAlteration;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.apache.kafka.common.quota.ClientQuotaFilter;
import org.apache.kafka.common.quota.ClientQuotaFilterComponent;

public class ClientQuotas {
  public static void main(String[] args) {
    ObjectMapper json = new ObjectMapper();
    try {
      JsonNode request = json.readTree(System.in);
      Properties p = new Properties();
      Iterator<Map.Entry<String, JsonNode>> config = request.get("config").fields();
      while (config.hasNext()) {
        Map.Entry<String, JsonNode> e = config.next();
        p.put(e.getKey(), e.getValue().asText());
      }
      try (Admin admin = Admin.create(p)) {
        String command = request.get("command").asText();
        if (command.equals("describe")) {
          ClientQuotaFilter users =
              ClientQuotaFilter.containsOnly(List.of(ClientQuotaFilterComponent.ofEntityType(ClientQuotaEntity.USER)));
          ObjectNode out = json.createObjectNode();
          for (Map.Entry<ClientQuotaEntity, Map<String, Double>> e :
              admin.describeClientQuotas(users).entities().get(60, TimeUnit.SECONDS).entrySet()) {
            String user = e.getKey().entries().get(ClientQuotaEntity.USER);
            ObjectNode quotas = out.putObject(user == null ? "<default>" : user);
            e.getValue().forEach(quotas::put);
          }
          System.out.println("RESULT " + json.writeValueAsString(out));
        } else if (command.equals("alter")) {
          List<ClientQuotaAlteration> alterations = new ArrayList<>();
          for (JsonNode c : request.get("changes")) {
            List<ClientQuotaAlteration.Op> ops = new ArrayList<>();
            Iterator<Map.Entry<String, JsonNode>> set = c.get("set").fields();
            while (set.hasNext()) {
              Map.Entry<String, JsonNode> e = set.next();
              ops.add(new ClientQuotaAlteration.Op(e.getKey(), e.getValue().asDouble()));
            }
            for (JsonNode key : c.get("remove")) ops.add(new ClientQuotaAlteration.Op(key.asText(), null));
            ClientQuotaEntity entity = new ClientQuotaEntity(Map.of(ClientQuotaEntity.USER, c.get("user").asText()));
            alterations.add(new ClientQuotaAlteration(entity, ops));
          }
          admin.alterClientQuotas(alterations).all().get(60, TimeUnit.SECONDS);
          System.out.println("RESULT {\"altered\": " + alterations.size() + "}");
        } else {
          throw new IllegalArgumentException("command must be describe or alter, got " + command);
        }
      }
      System.exit(0);
    } catch (Exception e) {
      Throwable c = e.getCause() != null ? e.getCause() : e;
      System.out.println("FAILED " + c.getClass().getSimpleName() + ": " + c.getMessage());
      System.exit(2);
    }
  }
}
