/**
 * A range of Kafka record times (epoch ms; for records produced live, about when each event
 * happened): a bounded read of each partition from its first record at or after `fromMs` up to,
 * not including, its first at or after `toMs`, as Kafka's offsets for times find them.
 */
export interface KafkaTimeRange {
  readonly fromMs: number;
  readonly toMs: number;
}
