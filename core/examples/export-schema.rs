//! Prints the wire contract (`paysera_scanpay::schema::export()`) as pretty JSON: the committed
//! `schema/paysera-scanpay.schema.json` is its output.
//!
//! ```text
//! cargo run -q -p paysera-scanpay --example export-schema > schema/paysera-scanpay.schema.json
//! ```

fn main() {
    println!("{}", paysera_scanpay::schema::to_pretty_json());
}
