//! Arbitrary bytes through the event reader (format sniffing, gzip, JSON lines and
//! streamed documents, every provider parser): warnings are fine, panics are not.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nhi_events::{FieldMapping, ReadOptions, read_reader};

fuzz_target!(|data: &[u8]| {
    // The first byte picks the options so that mapped and forced-mapping paths are
    // fuzzed as well as the format parsers.
    let Some((&selector, input)) = data.split_first() else {
        return;
    };
    let mapping = FieldMapping {
        time: Some("t".into()),
        principal: Some("p.id".into()),
        action: Some("a".into()),
        resource: Some("r".into()),
        outcome: Some("o".into()),
        ..FieldMapping::default()
    };
    let options = ReadOptions {
        mapping: (selector & 1 == 1).then_some(mapping),
        force_mapping: selector & 2 == 2,
        all_kubernetes_stages: selector & 4 == 4,
        max_warnings: 16,
        tagger: None,
    };
    let mut events = 0u64;
    let stats = read_reader(input, "fuzz", &options, &mut |_| events += 1);
    assert_eq!(stats.total_events(), events);
});
