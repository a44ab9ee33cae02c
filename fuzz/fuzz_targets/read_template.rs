//! Any bytes into the template reader: a template or a `ReadError`, never a panic.
//!
//! Invalid UTF-8 is read lossily (U+FFFD), so every input reaches the parsers.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ringfence_cfn::Template;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // The entry point the CLI uses: JSON when the text starts with `{`, YAML otherwise.
    let parsed = Template::parse(&text);
    // And the parser `parse` did not pick (JSON is YAML too, so `{…}` also goes to YAML).
    if text.trim_start().starts_with('{') {
        let _ = Template::from_yaml(&text);
    } else {
        let _ = Template::from_json(&text);
    }
    // A template that was read can be written back (what the size quotas
    // check on every analysis).
    if let Ok(t) = parsed {
        let _ = t.json_len();
    }
});
