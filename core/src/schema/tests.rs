//! The tables of `schema.rs` against real serde output, and the committed copy against the
//! export.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

use super::{EnumSpec, Presence, TypeSpec, enums, export, to_pretty_json, types};

const COMMITTED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../schema/paysera-scanpay.schema.json"
);

/// Which sample of an enum to use: the full sample takes the last value (a `closing` stage with
/// its `outcome`), the minimal one the first (a `creating` stage, no outcome).
#[derive(Clone, Copy)]
enum Sample {
    Full,
    Minimal,
}

struct Registry {
    types: BTreeMap<&'static str, TypeSpec>,
    enums: BTreeMap<&'static str, EnumSpec>,
}

impl Registry {
    fn new() -> Self {
        Self {
            types: types().into_iter().map(|t| (t.name, t)).collect(),
            enums: enums().into_iter().map(|e| (e.name, e)).collect(),
        }
    }

    /// A wire value of type `ty`.
    fn value(&self, ty: &Value, sample: Sample) -> Value {
        let name = || ty["name"].as_str().unwrap();
        match ty["kind"].as_str().unwrap() {
            "integer" => json!(7),
            "number" => json!(2.5),
            "string" if ty["format"] == "decimal" => json!("12.34"),
            "string" => json!("s"),
            "boolean" => json!(true),
            "any" => json!({ "any": [1, "x", null] }),
            "map" => json!({ "k": "v" }),
            "array" => json!([self.value(&ty["items"], sample)]),
            "union" => self.value(&ty["of"][0], sample),
            "literal" => ty["value"].clone(),
            "ref" => self.object(name(), sample),
            "enum" => {
                let values = &self.enums[name()].values;
                let pick = match sample {
                    Sample::Full => values.last(),
                    Sample::Minimal => values.first(),
                };
                json!(pick.unwrap())
            }
            other => panic!("unknown kind {other}"),
        }
    }

    /// Every field of `name` (full), or only its required and nullable ones (minimal).
    fn object(&self, name: &str, sample: Sample) -> Value {
        let spec = &self.types[name];
        let mut out = Map::new();
        for f in spec.wire_fields() {
            let value = match (sample, f.presence) {
                (Sample::Full, _) | (Sample::Minimal, Presence::Required) => {
                    self.value(&f.ty, sample)
                }
                (Sample::Minimal, Presence::Nullable) => Value::Null,
                _ => continue,
            };
            out.insert(f.wire.to_owned(), value);
        }
        Value::Object(out)
    }
}

#[test]
fn presence_matches_the_rust_field_types() {
    for spec in types() {
        for f in &spec.fields {
            let ok = match f.presence {
                Presence::Required => !f.option,
                Presence::Optional | Presence::Nullable => f.option,
                Presence::Extra => !f.option && f.ty["kind"] == "map",
            };
            assert!(
                ok,
                "{}.{}: {:?} but option={}",
                spec.name, f.wire, f.presence, f.option
            );
        }
    }
}

/// Every listed wire name decodes into a real field (nothing lands in `extra`, nothing is
/// dropped) with the listed type, and re-encodes unchanged.
#[test]
fn every_field_round_trips_under_its_wire_name() {
    let registry = Registry::new();
    for spec in registry.types.values() {
        let full = registry.object(spec.name, Sample::Full);
        let (back, extra) = (spec.round_trip)(full.clone()).unwrap_or_else(|e| {
            panic!(
                "{}: the full sample does not decode: {e}\n{full}",
                spec.name
            )
        });
        assert_eq!(
            extra, 0,
            "{}: a listed field is not a field of the struct (kept as extra)",
            spec.name
        );
        assert_eq!(
            back, full,
            "{}: the full sample does not round-trip",
            spec.name
        );
    }
}

/// With only the required fields given, the core emits exactly those, plus `null` for nullable
/// fields: optional fields stay absent, required ones really are required.
#[test]
fn absent_fields_are_emitted_as_declared() {
    let registry = Registry::new();
    for spec in registry.types.values() {
        let minimal = registry.object(spec.name, Sample::Minimal);
        let mut given = minimal.clone();
        given.as_object_mut().unwrap().retain(|_, v| !v.is_null());
        let (back, _) = (spec.round_trip)(given.clone())
            .unwrap_or_else(|e| panic!("{}: the minimal sample does not decode: {e}", spec.name));
        assert_eq!(
            back, minimal,
            "{}: absent fields are not emitted as declared",
            spec.name
        );
        for f in spec
            .wire_fields()
            .filter(|f| f.presence == Presence::Required)
        {
            let mut without = given.clone();
            without.as_object_mut().unwrap().remove(f.wire);
            if let Ok((back, _)) = (spec.round_trip)(without) {
                // Defaulted on decode (e.g. a record's `amounts`), but always emitted.
                assert!(
                    back.get(f.wire).is_some(),
                    "{}.{} is not always emitted",
                    spec.name,
                    f.wire
                );
            }
        }
    }
}

#[test]
fn every_reference_names_a_listed_type_or_enum() {
    let registry = Registry::new();
    fn walk(ty: &Value, seen: &mut BTreeSet<(String, String)>) {
        match ty["kind"].as_str().unwrap() {
            "ref" | "enum" => {
                seen.insert((
                    ty["kind"].as_str().unwrap().into(),
                    ty["name"].as_str().unwrap().into(),
                ));
            }
            "array" => walk(&ty["items"], seen),
            "map" => walk(&ty["values"], seen),
            "union" => ty["of"]
                .as_array()
                .unwrap()
                .iter()
                .for_each(|t| walk(t, seen)),
            _ => {}
        }
    }
    let mut seen = BTreeSet::new();
    for spec in registry.types.values() {
        spec.wire_fields().for_each(|f| walk(&f.ty, &mut seen));
    }
    for (kind, name) in seen {
        let listed = match kind.as_str() {
            "ref" => registry.types.contains_key(name.as_str()),
            _ => registry.enums.contains_key(name.as_str()),
        };
        assert!(listed, "{kind} {name} is referenced but not listed");
    }
}

#[test]
fn enum_values_round_trip_and_open_enums_keep_unknown_values() {
    for spec in enums() {
        let unique: BTreeSet<_> = spec.values.iter().collect();
        assert_eq!(
            unique.len(),
            spec.values.len(),
            "{}: duplicate values",
            spec.name
        );
        for value in &spec.values {
            let (back, known) = (spec.round_trip)(value)
                .unwrap_or_else(|e| panic!("{}: {value:?} does not decode: {e}", spec.name));
            assert_eq!(
                (back.as_str(), known),
                (*value, true),
                "{}: {value:?}",
                spec.name
            );
        }
        if spec.open {
            let (back, known) = (spec.round_trip)("added_later").unwrap();
            assert_eq!(
                (back.as_str(), known),
                ("added_later", false),
                "{}",
                spec.name
            );
        } else if spec.name != "QrKind" {
            assert!(
                (spec.round_trip)("added_later").is_err(),
                "{} is not closed",
                spec.name
            );
        }
    }
}

#[test]
fn export_lists_every_type_and_enum_once() {
    let schema = export();
    assert_eq!(schema["types"].as_object().unwrap().len(), types().len());
    assert_eq!(schema["enums"].as_object().unwrap().len(), enums().len());
    assert_eq!(schema["types"]["Transaction"]["fields"][3]["name"], "type");
    assert_eq!(
        schema["types"]["Event"]["fields"][3]["presence"],
        "nullable"
    );
    assert_eq!(schema["constants"]["MAX_PAGE_SIZE"], 200);
}

/// The committed copy is what the bindings' tests and readers see: it must be the export.
#[test]
fn committed_schema_is_the_export() {
    let expected = format!("{}\n", to_pretty_json());
    let committed = std::fs::read_to_string(COMMITTED).unwrap_or_default();
    assert!(
        committed == expected,
        "schema/paysera-scanpay.schema.json is out of date with the core. Regenerate it with\n  \
         cargo run -q -p paysera-scanpay --example export-schema > schema/paysera-scanpay.schema.json\n\
         and commit it with the change that caused it."
    );
}
