//! Rendering a [`QrCode`] as a printable SVG or PNG image.
//!
//! The `qrcode` crate only computes the module matrix (error-correction level
//! M); the images are written here: black modules on a white background,
//! surrounded by a white quiet zone.

use std::fmt::Write as _;

use super::{QrCode, QrError, quoted};

/// Largest width (and height) of a rendered image, in pixels.
const MAX_IMAGE_SIDE: u64 = 16_384;

/// How to render a QR symbol.
///
/// ```
/// use paysera_scanpay::qr::{QrCode, RenderOptions};
///
/// let code = QrCode::spot(1, "table1")?;
/// let options = RenderOptions { module_size: 4, ..RenderOptions::default() };
/// let svg = code.to_svg_with(&options)?;
/// assert!(svg.starts_with("<svg"));
/// # Ok::<(), paysera_scanpay::qr::QrError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RenderOptions {
    /// Pixels per module (the small squares of the symbol); at least 1. Default 8.
    pub module_size: u32,
    /// White border around the symbol, in modules. Default 4 (what the QR
    /// standard asks for; scanners may fail with less).
    pub quiet_zone: u32,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            module_size: 8,
            quiet_zone: 4,
        }
    }
}

/// The module matrix of a symbol plus the pixel geometry of its image.
struct Layout {
    /// Modules per side of the symbol, without the quiet zone.
    modules: usize,
    /// `modules * modules` entries, row by row; `true` is a dark module.
    dark: Vec<bool>,
    module_size: usize,
    quiet_zone: usize,
    /// Pixels per side of the image, quiet zone included.
    side: u32,
}

impl Layout {
    fn new(code: &QrCode, options: &RenderOptions) -> Result<Layout, QrError> {
        if options.module_size == 0 {
            return Err(QrError::new("module size must be at least 1 pixel"));
        }
        let text = code.to_string();
        let symbol =
            qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)
                .map_err(|e| {
                    QrError::new(format!(
                        "QR code {} cannot be drawn as a QR symbol ({} bytes): {e}",
                        quoted(&text),
                        text.len()
                    ))
                })?;
        let modules = symbol.width();
        let dark: Vec<bool> = symbol
            .to_colors()
            .into_iter()
            .map(|c| c == qrcode::Color::Dark)
            .collect();

        let side_modules = modules as u64 + 2 * u64::from(options.quiet_zone);
        let side = side_modules.saturating_mul(u64::from(options.module_size));
        if side > MAX_IMAGE_SIDE {
            return Err(QrError::new(format!(
                "the image would be {side_modules} modules of {} pixels per side (quiet zone \
                 included), but at most {MAX_IMAGE_SIDE} pixels per side are allowed: \
                 use a smaller module size or quiet zone",
                options.module_size
            )));
        }
        // All values are at most MAX_IMAGE_SIDE, so the conversions cannot fail.
        let to_usize = |v: u32| usize::try_from(v).unwrap_or(usize::MAX);
        Ok(Layout {
            modules,
            dark,
            module_size: to_usize(options.module_size),
            quiet_zone: to_usize(options.quiet_zone),
            side: u32::try_from(side).unwrap_or(u32::MAX),
        })
    }

    fn is_dark(&self, x: usize, y: usize) -> bool {
        x < self.modules && y < self.modules && self.dark[y * self.modules + x]
    }
}

impl QrCode {
    /// Renders the code as an SVG image with [`RenderOptions::default`].
    ///
    /// See [`QrCode::to_svg_with`].
    pub fn to_svg(&self) -> Result<String, QrError> {
        self.to_svg_with(&RenderOptions::default())
    }

    /// Renders the code as a compact SVG image: a white background and one
    /// `<path>` of the dark modules, sized in pixels
    /// (`(modules + 2 * quiet_zone) * module_size` per side).
    ///
    /// Fails only for unusable options (module size 0, an image over 16384
    /// pixels per side) or a value built directly from the enum variants that
    /// is too long for a QR symbol.
    ///
    /// ```
    /// use paysera_scanpay::qr::{QrCode, RenderOptions};
    ///
    /// // "EVP000000000001" fits a 21×21 symbol: (21 + 2*4) * 8 = 232 pixels.
    /// let svg = QrCode::wallet(1)?.to_svg()?;
    /// assert!(svg.contains(r#"viewBox="0 0 232 232""#));
    /// # Ok::<(), paysera_scanpay::qr::QrError>(())
    /// ```
    pub fn to_svg_with(&self, options: &RenderOptions) -> Result<String, QrError> {
        let layout = Layout::new(self, options)?;
        let size = layout.module_size;
        let side = layout.side;
        let mut path = String::new();
        for y in 0..layout.modules {
            let mut x = 0;
            while x < layout.modules {
                if !layout.is_dark(x, y) {
                    x += 1;
                    continue;
                }
                let start = x;
                while x < layout.modules && layout.is_dark(x, y) {
                    x += 1;
                }
                let px = (start + layout.quiet_zone) * size;
                let py = (y + layout.quiet_zone) * size;
                let run = (x - start) * size;
                // Writing to a String cannot fail.
                let _ = write!(path, "M{px} {py}h{run}v{size}h-{run}z");
            }
        }
        Ok(format!(
            concat!(
                r#"<svg xmlns="http://www.w3.org/2000/svg" version="1.1" "#,
                r#"width="{side}" height="{side}" viewBox="0 0 {side} {side}" "#,
                r#"shape-rendering="crispEdges">"#,
                r##"<rect width="{side}" height="{side}" fill="#fff"/>"##,
                r##"<path fill="#000" d="{path}"/></svg>"##,
                "\n"
            ),
            side = side,
            path = path
        ))
    }

    /// Renders the code as a PNG image with [`RenderOptions::default`].
    ///
    /// See [`QrCode::to_png_with`].
    pub fn to_png(&self) -> Result<Vec<u8>, QrError> {
        self.to_png_with(&RenderOptions::default())
    }

    /// Renders the code as a 1-bit grayscale PNG image, black modules on
    /// white, quiet zone included; `(modules + 2 * quiet_zone) * module_size`
    /// pixels per side.
    ///
    /// Fails like [`QrCode::to_svg_with`].
    ///
    /// ```
    /// use paysera_scanpay::qr::QrCode;
    ///
    /// let png = QrCode::spot(1, "table1")?.to_png()?;
    /// assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
    /// # Ok::<(), paysera_scanpay::qr::QrError>(())
    /// ```
    pub fn to_png_with(&self, options: &RenderOptions) -> Result<Vec<u8>, QrError> {
        let layout = Layout::new(self, options)?;
        let side = usize::try_from(layout.side).unwrap_or(usize::MAX);
        let row_bytes = side.div_ceil(8);
        let mut pixels = Vec::with_capacity(row_bytes * side);
        for py in 0..side {
            let module_y = (py / layout.module_size).checked_sub(layout.quiet_zone);
            // 1 bit per pixel, most significant bit first; 1 is white.
            let mut row = vec![0xFF_u8; row_bytes];
            if let Some(y) = module_y {
                for px in 0..side {
                    let dark = (px / layout.module_size)
                        .checked_sub(layout.quiet_zone)
                        .is_some_and(|x| layout.is_dark(x, y));
                    if dark {
                        row[px / 8] &= !(0x80 >> (px % 8));
                    }
                }
            }
            pixels.extend_from_slice(&row);
        }

        let png_error = |e: png::EncodingError| QrError::new(format!("could not write PNG: {e}"));
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, layout.side, layout.side);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::One);
        encoder.set_compression(png::Compression::High);
        let mut writer = encoder.write_header().map_err(png_error)?;
        writer.write_image_data(&pixels).map_err(png_error)?;
        writer.finish().map_err(png_error)?;
        Ok(out)
    }
}
