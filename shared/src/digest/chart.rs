//! The digest's picture: customers' inbound emails of the last fourteen days by sentiment, one
//! stacked bar a day, drawn as a PNG with `plotters` (its words set with `ab_glyph`). Its font (DejaVu Sans, `assets/`) is
//! embedded in the binary, so the chart looks the same on a laptop and on Lambda, which has
//! no fonts.

use std::sync::OnceLock;

use chrono::{Days, NaiveDate};
use chrono_tz::Tz;
use plotters::prelude::*;
use plotters::style::FontStyle;
use sqlx::PgPool;
use thiserror::Error;

use crate::insights::Period;

/// How many days the chart shows, ending the day before the digest's date.
pub const DAYS: u64 = 14;
const WIDTH: u32 = 720;
const HEIGHT: u32 = 280;
const FONT: &str = "sans-serif";
static FONT_BYTES: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");

const HAPPY: RGBColor = RGBColor(46, 160, 94);
const NEUTRAL: RGBColor = RGBColor(170, 178, 189);
const UNHAPPY: RGBColor = RGBColor(214, 69, 65);

/// One day's inbound customer emails by sentiment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Day {
    pub date: NaiveDate,
    pub happy: i64,
    pub neutral: i64,
    pub unhappy: i64,
}

impl Day {
    fn total(&self) -> i64 {
        self.happy + self.neutral + self.unhappy
    }
}

#[derive(Debug, Error)]
pub enum ChartError {
    #[error("the embedded font could not be read")]
    Font,
    #[error("the chart could not be drawn: {0}")]
    Draw(String),
    #[error("the chart could not be encoded as PNG")]
    Encode(#[from] png::EncodingError),
}

/// The fourteen days before `date` (the tenant's dates), every day present, counted from the
/// tenant's inbound customer emails (automatic mail left out).
///
/// # Errors
/// A database failure.
pub async fn load(
    pool: &PgPool,
    tenant: uuid::Uuid,
    date: NaiveDate,
    zone: Tz,
) -> Result<Vec<Day>, sqlx::Error> {
    let first = date - Days::new(DAYS);
    let last = date - Days::new(1);
    let period = Period::days(first, last, zone);
    let from = period.from.unwrap_or(period.to).naive_utc();
    let rows = sqlx::query!(
        r#"SELECT ((timestamp AT TIME ZONE 'UTC') AT TIME ZONE $4)::date AS "day!",
                  count(*) FILTER (WHERE sentiment = 'happy') AS "happy!",
                  count(*) FILTER (WHERE sentiment = 'unhappy') AS "unhappy!",
                  count(*) AS "all!"
           FROM email_logs
           WHERE user_id = $1 AND direction = 'inbound' AND NOT is_automatic
             AND timestamp >= $2 AND timestamp < $3
           GROUP BY 1"#,
        tenant,
        from,
        period.to.naive_utc(),
        zone.name()
    )
    .fetch_all(pool)
    .await?;
    Ok(first
        .iter_days()
        .take(DAYS as usize)
        .map(|day| {
            rows.iter().find(|r| r.day == day).map_or(
                Day {
                    date: day,
                    happy: 0,
                    neutral: 0,
                    unhappy: 0,
                },
                |r| Day {
                    date: day,
                    happy: r.happy,
                    neutral: r.all - r.happy - r.unhappy,
                    unhappy: r.unhappy,
                },
            )
        })
        .collect())
}

/// The embedded face, parsed once, and registered with plotters (which lays out the empty tick
/// labels with it).
fn face() -> Result<&'static ab_glyph::FontRef<'static>, ChartError> {
    static FACE: OnceLock<Option<ab_glyph::FontRef<'static>>> = OnceLock::new();
    FACE.get_or_init(|| {
        plotters::style::register_font(FONT, FontStyle::Normal, FONT_BYTES).ok()?;
        ab_glyph::FontRef::try_from_slice(FONT_BYTES).ok()
    })
    .as_ref()
    .ok_or(ChartError::Font)
}

fn drawn<E: std::fmt::Debug>(error: E) -> ChartError {
    ChartError::Draw(format!("{error:?}"))
}

/// Where a label sits on its point.
#[derive(Clone, Copy)]
enum Anchor {
    Left,
    Center,
    Right,
}

/// A line of text to put on the picture: the text, its point (x, and the baseline's y), how it
/// hangs on the point, its size and colour.
struct Label {
    text: String,
    at: (i32, i32),
    anchor: Anchor,
    size: f32,
    color: RGBColor,
}

const INK: RGBColor = RGBColor(29, 36, 48);
const MUTED: RGBColor = RGBColor(96, 104, 117);

/// Draws the days as a PNG: one stacked bar a day (unhappy at the bottom, then neutral, then
/// happy), dates below, a legend above.
///
/// Bars and lines are drawn by plotters; the words are set here with `ab_glyph`, because
/// plotters' embedded-font path drops each glyph's side bearing and spaces narrow letters
/// ("1", "l") too widely.
///
/// # Errors
/// The font or the encoder failed (neither depends on the data).
pub fn render(days: &[Day]) -> Result<Vec<u8>, ChartError> {
    let face = face()?;
    let mut pixels = vec![255u8; (WIDTH * HEIGHT * 3) as usize];
    let mut labels = vec![Label {
        text: format!("Customer emails by sentiment, last {DAYS} days"),
        at: (WIDTH as i32 / 2, 24),
        anchor: Anchor::Center,
        size: 16.0,
        color: INK,
    }];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(drawn)?;
        let highest = days.iter().map(Day::total).max().unwrap_or(0).max(1);
        // A round top with a little headroom.
        let top = ((highest as f64 * 1.15).ceil() as i64).max(4);
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .margin_top(56)
            .x_label_area_size(22)
            .y_label_area_size(30)
            .build_cartesian_2d((0..days.len().max(1) as i32).into_segmented(), 0..top)
            .map_err(drawn)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(RGBColor(236, 238, 241))
            .bold_line_style(RGBColor(222, 225, 230))
            .axis_style(RGBColor(190, 195, 203))
            .x_labels(days.len().max(1))
            .y_labels(5)
            // The words come later (see above); plotters only places the ticks.
            .x_label_formatter(&|_| String::new())
            .y_label_formatter(&|_| String::new())
            .draw()
            .map_err(drawn)?;
        for level in 0..3 {
            let bars = days.iter().enumerate().map(|(i, d)| {
                let parts = [d.unhappy, d.neutral, d.happy];
                let below: i64 = parts[..level].iter().sum();
                let x = i as i32;
                let mut bar = Rectangle::new(
                    [
                        (SegmentValue::Exact(x), below),
                        (SegmentValue::Exact(x + 1), below + parts[level]),
                    ],
                    [UNHAPPY, NEUTRAL, HAPPY][level].filled(),
                );
                // A little air between the days.
                bar.set_margin(0, 0, 3, 3);
                bar
            });
            chart.draw_series(bars).map_err(drawn)?;
        }
        // Every other date under its bar, the last day always.
        for (i, day) in days.iter().enumerate() {
            if (days.len() - 1 - i).is_multiple_of(2) {
                let (x, y) = chart.backend_coord(&(SegmentValue::CenterOf(i as i32), 0));
                labels.push(Label {
                    text: day.date.format("%-d %b").to_string(),
                    at: (x, y + 17),
                    anchor: Anchor::Center,
                    size: 11.0,
                    color: MUTED,
                });
            }
        }
        let steps = 4;
        for step in 0..=steps {
            let value = top * step / steps;
            let (x, y) = chart.backend_coord(&(SegmentValue::Exact(0), value));
            labels.push(Label {
                text: value.to_string(),
                at: (x - 6, y + 4),
                anchor: Anchor::Right,
                size: 11.0,
                color: MUTED,
            });
        }
        // The legend, above the plot on the right.
        let mut x = WIDTH as i32 - 12;
        for (name, color) in [("happy", HAPPY), ("neutral", NEUTRAL), ("unhappy", UNHAPPY)] {
            let width = text_width(face, name, 12.0) as i32;
            x -= width;
            labels.push(Label {
                text: name.to_owned(),
                at: (x, 46),
                anchor: Anchor::Left,
                size: 12.0,
                color: INK,
            });
            root.draw(&Rectangle::new([(x - 16, 36), (x - 5, 47)], color.filled()))
                .map_err(drawn)?;
            x -= 34;
        }
        root.present().map_err(drawn)?;
    }
    for label in &labels {
        write(&mut pixels, face, label);
    }
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, WIDTH, HEIGHT);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(&pixels)?;
    writer.finish()?;
    Ok(out)
}

/// The advance of a line of text at `size` pixels.
fn text_width(face: &ab_glyph::FontRef<'static>, text: &str, size: f32) -> f32 {
    use ab_glyph::{Font, ScaleFont};
    let font = face.as_scaled(size);
    let mut width = 0.0;
    let mut previous = None;
    for c in text.chars() {
        let glyph = font.glyph_id(c);
        if let Some(p) = previous {
            width += font.kern(p, glyph);
        }
        width += font.h_advance(glyph);
        previous = Some(glyph);
    }
    width
}

/// Sets a label into the RGB pixels, blending each glyph's coverage over what is there.
fn write(pixels: &mut [u8], face: &ab_glyph::FontRef<'static>, label: &Label) {
    use ab_glyph::{Font, ScaleFont, point};
    let font = face.as_scaled(label.size);
    let width = text_width(face, &label.text, label.size);
    let left = match label.anchor {
        Anchor::Left => label.at.0 as f32,
        Anchor::Center => label.at.0 as f32 - width / 2.0,
        Anchor::Right => label.at.0 as f32 - width,
    };
    let mut caret = left;
    let mut previous = None;
    for c in label.text.chars() {
        let id = font.glyph_id(c);
        if let Some(p) = previous {
            caret += font.kern(p, id);
        }
        previous = Some(id);
        let glyph = id.with_scale_and_position(label.size, point(caret, label.at.1 as f32));
        caret += font.h_advance(id);
        let Some(outline) = face.outline_glyph(glyph) else {
            continue;
        };
        let bounds = outline.px_bounds();
        outline.draw(|gx, gy, coverage| {
            let x = bounds.min.x as i64 + i64::from(gx);
            let y = bounds.min.y as i64 + i64::from(gy);
            if x < 0 || y < 0 || x >= i64::from(WIDTH) || y >= i64::from(HEIGHT) {
                return;
            }
            let at = ((y * i64::from(WIDTH) + x) * 3) as usize;
            let ink = [label.color.0, label.color.1, label.color.2];
            for (channel, value) in pixels[at..at + 3].iter_mut().zip(ink) {
                let blended = f32::from(*channel) * (1.0 - coverage) + f32::from(value) * coverage;
                *channel = blended.round().clamp(0.0, 255.0) as u8;
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn days() -> Vec<Day> {
        let first = NaiveDate::from_ymd_opt(2026, 11, 7).unwrap_or_default();
        first
            .iter_days()
            .take(DAYS as usize)
            .enumerate()
            .map(|(i, date)| Day {
                date,
                happy: i as i64 % 4,
                neutral: 2,
                unhappy: i as i64 % 3,
            })
            .collect()
    }

    #[test]
    fn the_chart_is_a_png_of_its_size() {
        let png = render(&days()).expect("drawn");
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        let decoder = png::Decoder::new(std::io::Cursor::new(&png));
        let reader = decoder.read_info().expect("a readable PNG");
        assert_eq!((reader.info().width, reader.info().height), (WIDTH, HEIGHT));
    }

    #[test]
    fn an_unhappy_day_shows_red_and_a_quiet_fortnight_shows_none() {
        let red = |png: &[u8]| {
            let mut reader = png::Decoder::new(std::io::Cursor::new(png))
                .read_info()
                .expect("PNG");
            let mut pixels = vec![0; reader.output_buffer_size()];
            reader.next_frame(&mut pixels).expect("frame");
            pixels
                .chunks(3)
                .filter(|p| p == &[UNHAPPY.0, UNHAPPY.1, UNHAPPY.2])
                .count()
        };
        let quiet: Vec<Day> = days()
            .into_iter()
            .map(|d| Day { unhappy: 0, ..d })
            .collect();
        let loud = render(&days()).expect("drawn");
        let calm = render(&quiet).expect("drawn");
        // The legend's swatch is red in both; the bars only where someone was unhappy.
        assert!(
            red(&loud) > red(&calm) + 1000,
            "{} vs {}",
            red(&loud),
            red(&calm)
        );
    }
}
