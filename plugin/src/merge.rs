//! Deep merge of JSON settings over defaults, as the seed merged settings
//! maps: objects merge key by key, anything else replaces, and `null`
//! removes a default.

use serde_json::Value;

/// Merges `overlay` into `base` in place.
pub fn deep_merge(base: &mut Value, overlay: Value) {
    match (base, overlay) {
        (Value::Object(base), Value::Object(overlay)) => {
            for (key, value) in overlay {
                if value.is_null() {
                    base.remove(&key);
                    continue;
                }
                match base.get_mut(&key) {
                    Some(slot) => deep_merge(slot, value),
                    None => {
                        base.insert(key, value);
                    }
                }
            }
        }
        (base, overlay) => *base = overlay,
    }
}

#[cfg(test)]
mod tests {
    use super::deep_merge;
    use serde_json::json;

    #[test]
    fn objects_merge_scalars_replace_nulls_remove() {
        let mut base = json!({"a": {"x": 1, "y": 2}, "b": [1, 2], "c": "keep", "d": 4});
        deep_merge(
            &mut base,
            json!({"a": {"y": 3, "z": 4}, "b": [9], "d": null, "e": true}),
        );
        assert_eq!(
            base,
            json!({"a": {"x": 1, "y": 3, "z": 4}, "b": [9], "c": "keep", "e": true})
        );
    }

    #[test]
    fn a_scalar_over_an_object_replaces_it() {
        let mut base = json!({"install": {"strategy": "pip"}});
        deep_merge(&mut base, json!({"install": "pip"}));
        assert_eq!(base, json!({"install": "pip"}));
    }
}
