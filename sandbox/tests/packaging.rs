//! The Python and Node packages embed this library for their in-process `testing.Sandbox`, but
//! not its command line: no clap (the `cli` feature stays off) and no demo (it lives in the CLI
//! crate). Read from the resolved dependency graph, so no build is needed.

use std::process::Command;

/// The crates `package` links, one `name vX.Y.Z ...` per line.
fn linked_crates(package: &str) -> String {
    let out = Command::new(env!("CARGO"))
        .args(["tree", "--locked", "--offline", "--edges", "normal"])
        .args(["--prefix", "none", "--package", package])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo runs");
    assert!(
        out.status.success(),
        "cargo tree -p {package} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("cargo tree prints UTF-8")
}

fn links(tree: &str, krate: &str) -> bool {
    tree.lines()
        .any(|line| line.split_whitespace().next() == Some(krate))
}

#[test]
fn release_packages_link_the_sandbox_without_clap_or_the_demo() {
    for package in ["paysera-scanpay-python", "paysera-scanpay-node"] {
        let tree = linked_crates(package);
        assert!(links(&tree, "paysera-sandbox"), "{package}:\n{tree}");
        for unwanted in ["clap", "clap_builder", "paysera-scanpay-cli"] {
            assert!(
                !links(&tree, unwanted),
                "{package} links {unwanted}:\n{tree}"
            );
        }
    }
}

#[test]
fn the_command_line_keeps_its_clap() {
    // The check above would pass vacuously if the tree stopped listing clap at all.
    for package in ["paysera-sandbox", "paysera-scanpay-cli"] {
        assert!(links(&linked_crates(package), "clap"), "{package}");
    }
}
