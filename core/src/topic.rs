//! Topic names and the checks Kafka runs before it creates a topic: the name rules of
//! `org.apache.kafka.common.internals.Topic`, name collisions, existence, partition count and
//! replication factor, with Kafka's error codes and messages.

use crate::error::{ErrorCode, KafkaError};

/// Longest legal topic name, counted as Java's `String.length()` counts (UTF-16 code units).
pub const MAX_NAME_LENGTH: usize = 249;

/// The internal topic holding consumer group offsets and group metadata.
pub const GROUP_METADATA_TOPIC_NAME: &str = "__consumer_offsets";

/// The internal topic holding transaction coordinator state.
pub const TRANSACTION_STATE_TOPIC_NAME: &str = "__transaction_state";

/// The KRaft metadata log. Not an "internal topic" in Kafka's sense ([`is_internal`] is false
/// for it): it is not listed in metadata and cannot be produced to or created.
pub const CLUSTER_METADATA_TOPIC_NAME: &str = "__cluster_metadata";

/// The topics Kafka's `Topic.isInternal` recognises.
pub const INTERNAL_TOPICS: [&str; 2] = [GROUP_METADATA_TOPIC_NAME, TRANSACTION_STATE_TOPIC_NAME];

/// Whether `name` is one of Kafka's internal topics (`__consumer_offsets`, `__transaction_state`).
pub fn is_internal(name: &str) -> bool {
    INTERNAL_TOPICS.contains(&name)
}

/// Why `name` is not a legal topic name, worded as Kafka's `Topic.detectInvalidTopic`.
fn invalid_name_reason(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("the empty string is not allowed".to_owned());
    }
    if name == "." {
        return Some("'.' is not allowed".to_owned());
    }
    if name == ".." {
        return Some("'..' is not allowed".to_owned());
    }
    // Java's String.length() counts UTF-16 code units, and the length rule runs before the
    // character rule, so a long non-ASCII name is reported as too long only by that count.
    if name.encode_utf16().count() > MAX_NAME_LENGTH {
        return Some(format!(
            "the length of '{name}' is longer than the max allowed length {MAX_NAME_LENGTH}"
        ));
    }
    let legal = |c: char| c.is_ascii_alphanumeric() || c == '.' || c == '_' || c == '-';
    if !name.chars().all(legal) {
        return Some(format!(
            "'{name}' contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'"
        ));
    }
    None
}

/// Checks Kafka's topic name rules (`Topic.validate`): not empty, not `.` or `..`, at most
/// [`MAX_NAME_LENGTH`] characters, only `[a-zA-Z0-9._-]`. Fails with `INVALID_TOPIC_EXCEPTION`
/// and Kafka's message, e.g. "Topic name is invalid: '..' is not allowed".
pub fn validate_topic_name(name: &str) -> Result<(), KafkaError> {
    match invalid_name_reason(name) {
        None => Ok(()),
        Some(reason) => Err(KafkaError::new(
            ErrorCode::InvalidTopicException,
            format!("Topic name is invalid: {reason}"),
        )),
    }
}

/// Whether `name` contains a character that can collide in metric names (`.` or `_`).
pub fn has_collision_chars(name: &str) -> bool {
    name.contains(['.', '_'])
}

/// The form two names are compared in for collisions: every `.` replaced by `_`
/// (Kafka's `Topic.unifyCollisionChars`).
pub fn unify_collision_chars(name: &str) -> String {
    name.replace('.', "_")
}

/// Whether two topic names collide: equal once `.` and `_` are unified.
pub fn has_collision(a: &str, b: &str) -> bool {
    unify_collision_chars(a) == unify_collision_chars(b)
}

/// Checks a new topic name against the existing ones. An identical existing name is
/// `TOPIC_ALREADY_EXISTS` ("Topic 'x' already exists."), whatever else collides; a name equal
/// after unifying `.` and `_` is `INVALID_TOPIC_EXCEPTION` naming the first colliding topic,
/// worded as the KRaft controller words it ("Topic 'a.b' collides with existing topic: a_b").
pub fn check_collision<'a>(
    name: &str,
    existing: impl IntoIterator<Item = &'a str>,
) -> Result<(), KafkaError> {
    let unified = unify_collision_chars(name);
    let mut colliding: Option<&str> = None;
    for other in existing {
        if other == name {
            return Err(KafkaError::new(
                ErrorCode::TopicAlreadyExists,
                format!("Topic '{name}' already exists."),
            ));
        }
        if colliding.is_none() && unify_collision_chars(other) == unified {
            colliding = Some(other);
        }
    }
    match colliding {
        None => Ok(()),
        Some(other) => Err(KafkaError::new(
            ErrorCode::InvalidTopicException,
            format!("Topic '{name}' collides with existing topic: {other}"),
        )),
    }
}

/// Checks a partition count: `INVALID_PARTITIONS`, "Number of partitions must be larger than 0."
/// when it is not positive.
pub fn validate_partition_count(partitions: i32) -> Result<(), KafkaError> {
    if partitions <= 0 {
        return Err(KafkaError::new(
            ErrorCode::InvalidPartitions,
            "Number of partitions must be larger than 0.",
        ));
    }
    if partitions > MAX_PARTITIONS_PER_TOPIC {
        return Err(KafkaError::new(
            ErrorCode::InvalidPartitions,
            format!(
                "Number of partitions {partitions} is above what the simulator supports ({MAX_PARTITIONS_PER_TOPIC} per topic)."
            ),
        ));
    }
    Ok(())
}

/// The simulator's own limit (Kafka has none per topic): keeps a typo from freezing a tab.
pub const MAX_PARTITIONS_PER_TOPIC: i32 = 10_000;

/// Checks a replication factor against the brokers available for placement:
/// `INVALID_REPLICATION_FACTOR`, "Replication factor must be larger than 0." or
/// "Replication factor: 4 larger than available brokers: 3.".
pub fn validate_replication_factor(
    replication_factor: i32,
    broker_count: usize,
) -> Result<(), KafkaError> {
    if replication_factor <= 0 {
        return Err(KafkaError::new(
            ErrorCode::InvalidReplicationFactor,
            "Replication factor must be larger than 0.",
        ));
    }
    // replication_factor is positive here, so the conversion cannot fail.
    if usize::try_from(replication_factor).unwrap_or(usize::MAX) > broker_count {
        return Err(KafkaError::new(
            ErrorCode::InvalidReplicationFactor,
            format!(
                "Replication factor: {replication_factor} larger than available brokers: {broker_count}."
            ),
        ));
    }
    Ok(())
}

/// Every check Kafka makes before creating a topic, in this order: the name
/// ([`validate_topic_name`]), existence and collision ([`check_collision`]), the partition
/// count ([`validate_partition_count`]), then the replication factor against the live brokers
/// ([`validate_replication_factor`]). Returns the first failure.
pub fn validate_new_topic<'a>(
    name: &str,
    partitions: i32,
    replication_factor: i32,
    live_broker_count: usize,
    existing: impl IntoIterator<Item = &'a str>,
) -> Result<(), KafkaError> {
    validate_topic_name(name)?;
    check_collision(name, existing)?;
    validate_partition_count(partitions)?;
    validate_replication_factor(replication_factor, live_broker_count)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(result: Result<(), KafkaError>) -> (ErrorCode, String) {
        let e = result.expect_err("expected an error");
        (e.code, e.message)
    }

    fn invalid(message: &str) -> (ErrorCode, String) {
        (ErrorCode::InvalidTopicException, message.to_owned())
    }

    #[test]
    fn internal_topics_are_offsets_and_transactions_only() {
        assert!(is_internal("__consumer_offsets"));
        assert!(is_internal("__transaction_state"));
        assert!(!is_internal(CLUSTER_METADATA_TOPIC_NAME));
        assert!(!is_internal("orders"));
        assert!(!is_internal("__consumer_offsets2"));
    }

    #[test]
    fn empty_name_is_rejected() {
        assert_eq!(
            err(validate_topic_name("")),
            invalid("Topic name is invalid: the empty string is not allowed")
        );
    }

    #[test]
    fn dot_and_dot_dot_are_rejected_but_longer_dot_runs_are_legal() {
        assert_eq!(
            err(validate_topic_name(".")),
            invalid("Topic name is invalid: '.' is not allowed")
        );
        assert_eq!(
            err(validate_topic_name("..")),
            invalid("Topic name is invalid: '..' is not allowed")
        );
        assert!(validate_topic_name("...").is_ok());
        assert!(validate_topic_name(".a").is_ok());
    }

    #[test]
    fn name_of_249_chars_is_legal_and_250_is_too_long() {
        let ok = "a".repeat(249);
        assert!(validate_topic_name(&ok).is_ok());
        let long = "a".repeat(250);
        assert_eq!(
            err(validate_topic_name(&long)),
            invalid(&format!(
                "Topic name is invalid: the length of '{long}' is longer than the max allowed length 249"
            ))
        );
    }

    #[test]
    fn length_counts_utf16_units_like_java_so_short_non_ascii_names_fail_on_characters() {
        // 200 'é' are 400 UTF-8 bytes but 200 UTF-16 units: Kafka reports the characters.
        let name = "é".repeat(200);
        assert_eq!(
            err(validate_topic_name(&name)),
            invalid(&format!(
                "Topic name is invalid: '{name}' contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'"
            ))
        );
        // 250 non-ASCII characters are too long, reported before the characters.
        let long = "é".repeat(250);
        assert!(err(validate_topic_name(&long)).1.contains("is longer than"));
    }

    #[test]
    fn illegal_characters_are_rejected_with_kafkas_message() {
        for name in ["my topic", "a/b", "a:b", "topic!", "t\u{e9}st", "a\tb"] {
            assert_eq!(
                err(validate_topic_name(name)),
                invalid(&format!(
                    "Topic name is invalid: '{name}' contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'"
                )),
                "{name:?}"
            );
        }
    }

    #[test]
    fn every_legal_character_is_accepted() {
        assert!(
            validate_topic_name(
                "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-"
            )
            .is_ok()
        );
        assert!(validate_topic_name("__consumer_offsets").is_ok());
    }

    #[test]
    fn unify_replaces_dots_with_underscores() {
        assert_eq!(unify_collision_chars("a.b_c.d"), "a_b_c_d");
        assert_eq!(unify_collision_chars("plain"), "plain");
        assert!(has_collision("a.b", "a_b"));
        assert!(!has_collision("a.b", "a-b"));
        assert!(has_collision_chars("a.b") && has_collision_chars("a_b"));
        assert!(!has_collision_chars("a-b"));
    }

    #[test]
    fn dotted_name_collides_with_existing_underscored_name() {
        assert_eq!(
            err(check_collision("metrics.cpu", ["orders", "metrics_cpu"])),
            invalid("Topic 'metrics.cpu' collides with existing topic: metrics_cpu")
        );
    }

    #[test]
    fn underscored_name_collides_with_existing_dotted_name() {
        assert_eq!(
            err(check_collision("metrics_cpu", ["metrics.cpu"])),
            invalid("Topic 'metrics_cpu' collides with existing topic: metrics.cpu")
        );
    }

    #[test]
    fn identical_existing_name_is_topic_already_exists_even_after_a_collision() {
        let expected = (
            ErrorCode::TopicAlreadyExists,
            "Topic 'a.b' already exists.".to_owned(),
        );
        assert_eq!(err(check_collision("a.b", ["a.b"])), expected);
        assert_eq!(err(check_collision("a.b", ["a_b", "a.b"])), expected);
    }

    #[test]
    fn names_that_differ_otherwise_do_not_collide() {
        assert!(check_collision("a.b", ["a-b", "ab", "a.bc"]).is_ok());
        assert!(check_collision("orders", std::iter::empty()).is_ok());
    }

    #[test]
    fn new_topic_checks_name_before_existence() {
        assert_eq!(
            err(validate_new_topic("bad name", 1, 1, 3, ["bad name"])),
            invalid(
                "Topic name is invalid: 'bad name' contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'"
            )
        );
    }

    #[test]
    fn new_topic_checks_existence_before_partitions() {
        assert_eq!(
            err(validate_new_topic("orders", 0, 0, 3, ["orders"])),
            (
                ErrorCode::TopicAlreadyExists,
                "Topic 'orders' already exists.".to_owned()
            )
        );
        assert_eq!(
            err(validate_new_topic("a.b", 0, 0, 3, ["a_b"])),
            invalid("Topic 'a.b' collides with existing topic: a_b")
        );
    }

    #[test]
    fn new_topic_checks_partitions_before_replication_factor() {
        assert_eq!(
            err(validate_new_topic("orders", 0, 0, 3, [])),
            (
                ErrorCode::InvalidPartitions,
                "Number of partitions must be larger than 0.".to_owned()
            )
        );
        assert_eq!(
            err(validate_new_topic("orders", -1, 3, 3, [])).0,
            ErrorCode::InvalidPartitions
        );
    }

    #[test]
    fn non_positive_replication_factor_is_rejected() {
        for rf in [0, -1] {
            assert_eq!(
                err(validate_new_topic("orders", 3, rf, 3, [])),
                (
                    ErrorCode::InvalidReplicationFactor,
                    "Replication factor must be larger than 0.".to_owned()
                )
            );
        }
    }

    #[test]
    fn replication_factor_above_live_brokers_is_rejected() {
        assert_eq!(
            err(validate_new_topic("orders", 3, 4, 3, [])),
            (
                ErrorCode::InvalidReplicationFactor,
                "Replication factor: 4 larger than available brokers: 3.".to_owned()
            )
        );
        assert!(validate_new_topic("orders", 3, 3, 3, []).is_ok());
    }

    #[test]
    fn valid_new_topic_passes_among_other_topics() {
        assert!(validate_new_topic("orders", 6, 3, 5, ["payments", "orders-dlq"]).is_ok());
    }
}
