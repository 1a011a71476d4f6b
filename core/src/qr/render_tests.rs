//! Tests of `render.rs`: SVG and PNG output checked against an independent QR encoder.

use std::io::Cursor;

use super::tests::spot;
use super::*;

/// The module matrix the `qrcode` crate computes for `code`.
fn reference_matrix(code: &QrCode) -> (usize, Vec<bool>) {
    let symbol = qrcode::QrCode::with_error_correction_level(
        code.to_string().as_bytes(),
        qrcode::EcLevel::M,
    )
    .unwrap();
    let width = symbol.width();
    let dark = symbol
        .to_colors()
        .into_iter()
        .map(|c| c == qrcode::Color::Dark)
        .collect();
    (width, dark)
}

/// Decodes a PNG into (width, height, 8-bit luma pixels).
fn decode_png(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let mut decoder = png::Decoder::new(Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::EXPAND);
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(
        info.color_type,
        png::ColorType::Grayscale,
        "expected a grayscale image"
    );
    assert_eq!(info.bit_depth, png::BitDepth::Eight, "after EXPAND");
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf)
}

fn sample_codes() -> Vec<QrCode> {
    vec![
        QrCode::wallet(1).unwrap(),
        spot(1, "table1"),
        QrCode::transaction("ATaNL6X6CivO2Ou0FMPt").unwrap(),
        QrCode::app_link(spot(1, "stalas-ą")).unwrap(),
        QrCode::app_link(spot(123_456, &"long-identifier-".repeat(8))).unwrap(),
    ]
}

#[test]
fn svg_is_well_formed_and_sized() {
    for code in sample_codes() {
        for options in [
            RenderOptions::default(),
            RenderOptions {
                module_size: 3,
                quiet_zone: 0,
            },
            RenderOptions {
                module_size: 1,
                quiet_zone: 2,
            },
        ] {
            let (modules, dark) = reference_matrix(&code);
            let side = (modules + 2 * options.quiet_zone as usize) * options.module_size as usize;
            let svg = code.to_svg_with(&options).unwrap();
            assert!(svg.starts_with("<svg "), "{svg}");
            assert!(svg.trim_end().ends_with("</svg>"));
            assert!(svg.contains(r#"xmlns="http://www.w3.org/2000/svg""#));
            assert!(svg.contains(&format!(r#"viewBox="0 0 {side} {side}""#)));
            assert!(svg.contains(&format!(r#"width="{side}" height="{side}""#)));
            assert!(svg.contains(r#"shape-rendering="crispEdges""#));
            assert!(svg.contains(r##"fill="#fff""##));
            assert_eq!(svg.matches("<path").count(), 1);
            assert_eq!(svg.matches('<').count(), svg.matches('>').count());

            // Every dark module is covered by exactly one run in the path.
            let d = svg
                .split(" d=\"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap();
            let mut covered = vec![false; modules * modules];
            let size = options.module_size as usize;
            let qz = options.quiet_zone as usize;
            for cmd in d.split('M').filter(|c| !c.is_empty()) {
                let (pos, rest) = cmd.split_once('h').unwrap();
                let (x, y) = pos.split_once(' ').unwrap();
                let run: usize = rest.split_once('v').unwrap().0.parse().unwrap();
                let (x, y) = (x.parse::<usize>().unwrap(), y.parse::<usize>().unwrap());
                assert_eq!((x % size, y % size, run % size), (0, 0, 0));
                let (mx, my) = (x / size - qz, y / size - qz);
                for i in 0..run / size {
                    let idx = my * modules + mx + i;
                    assert!(!covered[idx], "module drawn twice");
                    covered[idx] = true;
                }
            }
            assert_eq!(covered, dark, "SVG path differs from the module matrix");
        }
    }
    assert_eq!(
        QrCode::wallet(1).unwrap().to_svg().unwrap(),
        QrCode::wallet(1)
            .unwrap()
            .to_svg_with(&RenderOptions::default())
            .unwrap()
    );
}

#[test]
fn png_is_a_faithful_rendering() {
    for code in sample_codes() {
        for options in [
            RenderOptions::default(),
            RenderOptions {
                module_size: 3,
                quiet_zone: 1,
            },
            RenderOptions {
                module_size: 1,
                quiet_zone: 0,
            },
        ] {
            let (modules, dark) = reference_matrix(&code);
            let size = options.module_size as usize;
            let qz = options.quiet_zone as usize;
            let side = (modules + 2 * qz) * size;
            let (w, h, pixels) = decode_png(&code.to_png_with(&options).unwrap());
            assert_eq!((w as usize, h as usize), (side, side));
            assert!(pixels.iter().all(|&p| p == 0 || p == 255));
            // The centre of every module of the symbol...
            for my in 0..modules {
                for mx in 0..modules {
                    let px = (mx + qz) * size + size / 2;
                    let py = (my + qz) * size + size / 2;
                    let is_dark = pixels[py * side + px] == 0;
                    assert_eq!(is_dark, dark[my * modules + mx], "module ({mx}, {my})");
                }
            }
            // ...and the whole quiet zone is white; every pixel matches its module.
            for py in 0..side {
                for px in 0..side {
                    let (mx, my) = ((px / size).checked_sub(qz), (py / size).checked_sub(qz));
                    let expected = match (mx, my) {
                        (Some(x), Some(y)) if x < modules && y < modules => dark[y * modules + x],
                        _ => false,
                    };
                    assert_eq!(pixels[py * side + px] == 0, expected, "pixel ({px}, {py})");
                }
            }
        }
    }
}

#[test]
fn png_decodes_back_to_the_code() {
    for code in sample_codes() {
        let (w, h, pixels) = decode_png(&code.to_png().unwrap());
        let (w, h) = (w as usize, h as usize);
        let mut image = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| pixels[y * w + x]);
        let grids = image.detect_grids();
        assert_eq!(grids.len(), 1, "{code}");
        let (meta, content) = grids[0].decode().unwrap();
        assert_eq!(content, code.to_string());
        // rqrr numbers ECC levels M=0, L=1, H=2, Q=3 (the bits in the symbol).
        assert_eq!(meta.ecc_level, 0, "error-correction level M");
        assert_eq!(QrCode::parse(&content).unwrap(), code);
    }
}

#[test]
fn render_rejects_unusable_options() {
    let code = spot(1, "table1");
    let zero = RenderOptions {
        module_size: 0,
        quiet_zone: 4,
    };
    assert!(
        code.to_png_with(&zero)
            .unwrap_err()
            .reason()
            .contains("module size must be at least 1")
    );
    assert!(code.to_svg_with(&zero).is_err());
    for huge in [
        RenderOptions {
            module_size: u32::MAX,
            quiet_zone: 4,
        },
        RenderOptions {
            module_size: 1,
            quiet_zone: u32::MAX,
        },
        RenderOptions {
            module_size: u32::MAX,
            quiet_zone: u32::MAX,
        },
    ] {
        let e = code.to_png_with(&huge).unwrap_err();
        assert!(e.reason().contains("at most 16384 pixels"), "{e}");
        assert!(code.to_svg_with(&huge).is_err());
    }
}

#[test]
fn render_reports_codes_too_long_for_a_symbol() {
    // Only reachable by bypassing the constructors, but must not panic.
    let code = QrCode::Transaction {
        key: "a".repeat(5000),
    };
    let e = code.to_png().unwrap_err();
    assert!(e.reason().contains("cannot be drawn as a QR symbol"), "{e}");
    assert!(e.reason().contains("5008 bytes"), "{e}");
    assert!(code.to_svg().is_err());
}
