/** The Kafka client quotas the plan manages for each member principal (per broker). */
export type QuotaKey = 'producer_byte_rate' | 'request_percentage';

/** A user principal's quotas as the cluster holds them, by quota key. */
export type QuotaValues = Record<string, number>;

/** One user entity's change: keys to set, keys to remove (`user` is the SCRAM name, without `User:`). */
export interface QuotaChange {
  user: string;
  set: Partial<Record<QuotaKey, number>>;
  remove: string[];
}

/**
 * Port to Kafka's client quotas (AlterClientQuotas / DescribeClientQuotas), which kafkajs does not
 * speak: bound to Apache Kafka's own Admin client in production, mocked in unit specs.
 */
export abstract class ClientQuotaAdmin {
  /** Quotas of every user-only entity, by user name (the default user entity as `<default>`). */
  abstract describe(): Promise<Map<string, QuotaValues>>;
  abstract alter(changes: QuotaChange[]): Promise<void>;
}
