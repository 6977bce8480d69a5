//! Fuzzing the share-link decoder: links of a real session mutated character by character and
//! parameter by parameter, link-shaped queries with hostile values, and any text at all.
//!
//! Properties: no input panics; what decodes encodes back to a link that decodes to the same
//! session, and (when short) builds a session or says which action was refused; every
//! rejection is a sentence, not a Rust debug dump.
//!
//! `PROPTEST_CASES=N` sets the number of inputs per property (default below, for CI).

use super::*;
use proptest::prelude::*;
use proptest::test_runner::Config;

/// Inputs per property when `PROPTEST_CASES` is not set (the mutated links were 3,000 before
/// proptest; they stay 3,000).
const CI_CASES: u32 = 3_000;

fn config() -> Config {
    Config {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(CI_CASES),
        failure_persistence: None,
        ..Config::default()
    }
}

/// Links of sessions with every kind of config entry and action.
const BASES: [&str; 3] = [
    "v=1&seed=3&c=b:3;cp:zookeeper:3;acks:1;keyless:sticky;rate:0;topic:t:2:2:1:1;group:g:t:2:range&a=produce:k:v:t:all@500,crash:2@900,consumer:g:t:sticky@1000&t=1200",
    "v=1&seed=4&c=b:9;racks:a:a:b:b:c:c:a:b:c;cp:kraft:3;acks:all;keyless:round_robin;rate:50;topic:orders:12:3:2:0&a=produce:kunde~3A~C3~A4~2C~40~7E1:wert~3B~201:orders:all@800,isolate:3@900,heal@1500,crash:2@1600,restart:2@1700,elect@2000&script=produce:customer-123@600,crash:1@1500,heal@2000&t=4000&e=10000&paused=1",
    "v=1&c=b:1;cp:builtin:1;topic:a.b_c-1:1:1:1:0&a=crash:1@5,restart:1@6&t=6",
];

/// The link's separators and escapes, letters of every kind, markup.
const ALPHABET: &str = "v=1&c:;a@,b~0F9zé<>%t-e.seed_topic:produce:crash:?#+ \u{0}😀";

fn alphabet_char() -> impl Strategy<Value = char> {
    let chars: Vec<char> = ALPHABET.chars().collect();
    (0..chars.len()).prop_map(move |i| chars[i])
}

/// A change to a link's text.
#[derive(Clone, Debug)]
enum Edit {
    Remove(usize),
    Insert(usize, char),
    Replace(usize, char),
    /// A parameter's value replaced by hostile text.
    Value(usize, String),
    /// A parameter repeated.
    Repeat(usize),
}

fn hostile_text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("-1".to_string()),
        Just("18446744073709551616".to_string()),
        Just("99999999999999999999".to_string()),
        Just("<script>alert(1)</script>".to_string()),
        Just("~3Cimg~20onerror~3D1~3E".to_string()),
        Just("~".to_string()),
        Just("~ZZ".to_string()),
        Just("%FF%FE".to_string()),
        Just("a".repeat(9_000)),
        Just("crash:1@5,".repeat(600)),
        "\\PC{0,30}",
        prop::collection::vec(alphabet_char(), 0..30).prop_map(|c| c.into_iter().collect()),
    ]
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        3 => any::<usize>().prop_map(Edit::Remove),
        3 => (any::<usize>(), alphabet_char()).prop_map(|(i, c)| Edit::Insert(i, c)),
        3 => (any::<usize>(), alphabet_char()).prop_map(|(i, c)| Edit::Replace(i, c)),
        2 => (any::<usize>(), hostile_text()).prop_map(|(i, v)| Edit::Value(i, v)),
        1 => any::<usize>().prop_map(Edit::Repeat),
    ]
}

fn apply(link: &str, e: &Edit) -> String {
    let mut chars: Vec<char> = link.chars().collect();
    let n = chars.len();
    match e {
        Edit::Remove(i) if n > 0 => {
            chars.remove(i % n);
        }
        Edit::Insert(i, c) => chars.insert(i % (n + 1), *c),
        Edit::Replace(i, c) if n > 0 => chars[i % n] = *c,
        Edit::Value(i, v) => {
            let mut params: Vec<String> = link.split('&').map(String::from).collect();
            let k = i % params.len();
            let name = params[k].split('=').next().unwrap_or("").to_string();
            params[k] = format!("{name}={v}");
            return params.join("&");
        }
        Edit::Repeat(i) => {
            let params: Vec<&str> = link.split('&').collect();
            return format!("{link}&{}", params[i % params.len()]);
        }
        _ => {}
    }
    chars.into_iter().collect()
}

/// Decodes `q`: a link that decodes re-encodes to itself and, when short, builds; a refusal is
/// a sentence.
fn check(q: &str) -> Result<(), TestCaseError> {
    match decode_query(q) {
        Ok(share) => {
            let again = decode_query(&share.encode())
                .map_err(|e| TestCaseError::fail(format!("re-encoded link refused: {e}")))?;
            prop_assert_eq!(&again, &share);
            if share.end <= 20_000
                && share.actions.len() <= 40
                && let Err(e) = share.build()
            {
                assert_sentence(q, &e);
            }
        }
        Err(e) => assert_sentence(q, &e),
    }
    Ok(())
}

/// An error in words: not empty, no debug dump, of a readable length (quoted input is cut).
fn assert_sentence(q: &str, e: &str) {
    assert!(!e.trim().is_empty(), "empty error for {q:?}");
    assert!(e.chars().count() < 400, "{} chars: {e}", e.chars().count());
    for dump in [
        "Some(",
        "Err(",
        "Ok(",
        "Error {",
        "panicked",
        "internal error",
    ] {
        assert!(!e.contains(dump), "a debug dump ({dump}): {e} for {q:?}");
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn mutated_links_decode_or_are_refused_in_words(
        base in 0..BASES.len(),
        edits in prop::collection::vec(edit(), 1..6),
    ) {
        let mut q = BASES[base].to_string();
        for e in &edits {
            q = apply(&q, e);
        }
        check(&q)?;
    }

    #[test]
    fn any_text_decodes_or_is_refused_in_words(
        q in prop_oneof![
            "\\PC{0,300}",
            prop::collection::vec(alphabet_char(), 0..300).prop_map(|c| c.into_iter().collect()),
            "(v=1&)?([a-z]{1,6}=[a-z0-9:;,@~-]{0,40}&){0,8}",
        ]
    ) {
        check(&q)?;
    }
}

#[test]
fn the_bases_are_valid_links() {
    for q in BASES {
        let share = decode_query(q).unwrap_or_else(|e| panic!("{q}: {e}"));
        share.build().unwrap_or_else(|e| panic!("{q}: {e}"));
    }
}
