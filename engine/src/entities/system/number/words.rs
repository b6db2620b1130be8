//! Number words per language and the splitting of compounds (`ventitré`,
//! `dreiundzwanzig`, `veintiséis`, `duemilacinquecento`) into those words.

use crate::Language;

/// The meaning of one number word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Numeral {
    /// A value added to the current group (0-99, and the Spanish hundreds).
    Value(u64),
    /// An indefinite article: one before a multiplier (`a hundred`, `un milione`), or when
    /// it is the whole answer; otherwise it is not a number.
    Article,
    /// Multiplies the current group by 100.
    Hundred,
    /// Closes a group of thousands.
    Thousand,
    /// Closes a group of millions.
    Million,
    /// Joins two parts: `and`, `e`, `und`, `et`, `y`.
    Connector,
}

use Numeral::{Article, Connector, Hundred, Million, Thousand, Value};

#[rustfmt::skip]
const EN: &[(&str, Numeral)] = &[
    ("zero", Value(0)), ("one", Value(1)), ("two", Value(2)), ("three", Value(3)),
    ("four", Value(4)), ("five", Value(5)), ("six", Value(6)), ("seven", Value(7)),
    ("eight", Value(8)), ("nine", Value(9)), ("ten", Value(10)), ("eleven", Value(11)),
    ("twelve", Value(12)), ("thirteen", Value(13)), ("fourteen", Value(14)),
    ("fifteen", Value(15)), ("sixteen", Value(16)), ("seventeen", Value(17)),
    ("eighteen", Value(18)), ("nineteen", Value(19)), ("twenty", Value(20)),
    ("thirty", Value(30)), ("forty", Value(40)), ("fifty", Value(50)), ("sixty", Value(60)),
    ("seventy", Value(70)), ("eighty", Value(80)), ("ninety", Value(90)),
    ("hundred", Hundred), ("thousand", Thousand), ("million", Million), ("millions", Million),
    ("a", Article), ("an", Article), ("and", Connector),
];

#[rustfmt::skip]
const IT: &[(&str, Numeral)] = &[
    ("zero", Value(0)), ("uno", Value(1)), ("due", Value(2)), ("tre", Value(3)),
    ("quattro", Value(4)), ("cinque", Value(5)), ("sei", Value(6)), ("sette", Value(7)),
    ("otto", Value(8)), ("nove", Value(9)), ("dieci", Value(10)), ("undici", Value(11)),
    ("dodici", Value(12)), ("tredici", Value(13)), ("quattordici", Value(14)),
    ("quindici", Value(15)), ("sedici", Value(16)), ("diciassette", Value(17)),
    ("diciotto", Value(18)), ("diciannove", Value(19)), ("venti", Value(20)),
    ("trenta", Value(30)), ("quaranta", Value(40)), ("cinquanta", Value(50)),
    ("sessanta", Value(60)), ("settanta", Value(70)), ("ottanta", Value(80)),
    ("novanta", Value(90)), ("cento", Hundred), ("mille", Thousand), ("mila", Thousand),
    ("milione", Million), ("milioni", Million), ("un", Article), ("una", Article),
    ("e", Connector),
];

/// Italian drops the final vowel of tens before `uno` and `otto` (`ventuno`, `trentotto`)
/// and of `cento` before `ottanta`/`otto`: these forms only occur inside compounds.
#[rustfmt::skip]
const IT_COMPOUND: &[(&str, Numeral)] = &[
    ("vent", Value(20)), ("trent", Value(30)), ("quarant", Value(40)),
    ("cinquant", Value(50)), ("sessant", Value(60)), ("settant", Value(70)),
    ("ottant", Value(80)), ("novant", Value(90)), ("cent", Hundred),
];

#[rustfmt::skip]
const DE: &[(&str, Numeral)] = &[
    ("null", Value(0)), ("eins", Value(1)), ("zwei", Value(2)), ("zwo", Value(2)),
    ("drei", Value(3)), ("vier", Value(4)), ("funf", Value(5)), ("fuenf", Value(5)),
    ("sechs", Value(6)), ("sieben", Value(7)), ("acht", Value(8)), ("neun", Value(9)),
    ("zehn", Value(10)), ("elf", Value(11)), ("zwolf", Value(12)), ("zwoelf", Value(12)),
    ("dreizehn", Value(13)), ("vierzehn", Value(14)), ("funfzehn", Value(15)),
    ("fuenfzehn", Value(15)), ("sechzehn", Value(16)), ("siebzehn", Value(17)),
    ("achtzehn", Value(18)), ("neunzehn", Value(19)), ("zwanzig", Value(20)),
    ("dreissig", Value(30)), ("vierzig", Value(40)), ("funfzig", Value(50)),
    ("fuenfzig", Value(50)), ("sechzig", Value(60)), ("siebzig", Value(70)),
    ("achtzig", Value(80)), ("neunzig", Value(90)), ("hundert", Hundred),
    ("tausend", Thousand), ("million", Million), ("millionen", Million), ("ein", Article),
    ("eine", Article), ("einen", Article), ("einem", Article), ("einer", Article),
    ("und", Connector),
];

#[rustfmt::skip]
const FR: &[(&str, Numeral)] = &[
    ("zero", Value(0)), ("deux", Value(2)), ("trois", Value(3)), ("quatre", Value(4)),
    ("cinq", Value(5)), ("six", Value(6)), ("sept", Value(7)), ("huit", Value(8)),
    ("neuf", Value(9)), ("dix", Value(10)), ("onze", Value(11)), ("douze", Value(12)),
    ("treize", Value(13)), ("quatorze", Value(14)), ("quinze", Value(15)),
    ("seize", Value(16)), ("vingt", Value(20)), ("vingts", Value(20)), ("trente", Value(30)),
    ("quarante", Value(40)), ("cinquante", Value(50)), ("soixante", Value(60)),
    ("septante", Value(70)), ("huitante", Value(80)), ("octante", Value(80)),
    ("nonante", Value(90)), ("cent", Hundred), ("cents", Hundred), ("mille", Thousand),
    ("million", Million), ("millions", Million), ("un", Article), ("une", Article),
    ("et", Connector),
];

#[rustfmt::skip]
const ES: &[(&str, Numeral)] = &[
    ("cero", Value(0)), ("uno", Value(1)), ("dos", Value(2)), ("tres", Value(3)),
    ("cuatro", Value(4)), ("cinco", Value(5)), ("seis", Value(6)), ("siete", Value(7)),
    ("ocho", Value(8)), ("nueve", Value(9)), ("diez", Value(10)), ("once", Value(11)),
    ("doce", Value(12)), ("trece", Value(13)), ("catorce", Value(14)), ("quince", Value(15)),
    ("dieciseis", Value(16)), ("diecisiete", Value(17)), ("dieciocho", Value(18)),
    ("diecinueve", Value(19)), ("veinte", Value(20)), ("treinta", Value(30)),
    ("cuarenta", Value(40)), ("cincuenta", Value(50)), ("sesenta", Value(60)),
    ("setenta", Value(70)), ("ochenta", Value(80)), ("noventa", Value(90)),
    ("cien", Hundred), ("ciento", Hundred), ("doscientos", Value(200)),
    ("doscientas", Value(200)), ("trescientos", Value(300)), ("trescientas", Value(300)),
    ("cuatrocientos", Value(400)), ("cuatrocientas", Value(400)), ("quinientos", Value(500)),
    ("quinientas", Value(500)), ("seiscientos", Value(600)), ("seiscientas", Value(600)),
    ("setecientos", Value(700)), ("setecientas", Value(700)), ("ochocientos", Value(800)),
    ("ochocientas", Value(800)), ("novecientos", Value(900)), ("novecientas", Value(900)),
    ("mil", Thousand), ("millon", Million), ("millones", Million), ("un", Article),
    ("una", Article), ("y", Connector),
];

/// `veintiuno` ... `veintinueve` are written as one word.
#[rustfmt::skip]
const ES_COMPOUND: &[(&str, Numeral)] = &[("veinti", Value(20))];

fn lexicon(lang: Language) -> &'static [(&'static str, Numeral)] {
    match lang {
        Language::En => EN,
        Language::It => IT,
        Language::De => DE,
        Language::Fr => FR,
        Language::Es => ES,
    }
}

fn compound_only(lang: Language) -> &'static [(&'static str, Numeral)] {
    match lang {
        Language::It => IT_COMPOUND,
        Language::Es => ES_COMPOUND,
        Language::En | Language::De | Language::Fr => &[],
    }
}

/// The longest folded word that is split into number words; longer words are not numbers.
const MAX_COMPOUND_BYTES: usize = 64;

/// The number words `word` (folded) is made of: itself, or the fewest pieces that spell it.
pub(super) fn segment(word: &str, lang: Language) -> Option<Vec<Numeral>> {
    if let Some(&(_, numeral)) = lexicon(lang).iter().find(|(w, _)| *w == word) {
        return Some(vec![numeral]);
    }
    if word.len() > MAX_COMPOUND_BYTES || lang == Language::En || lang == Language::Fr {
        return None;
    }
    // best[pos] = the fewest pieces spelling word[pos..]; filled from the end.
    let mut best: Vec<Option<Vec<Numeral>>> = vec![None; word.len() + 1];
    best[word.len()] = Some(Vec::new());
    for pos in (0..word.len()).rev() {
        if !word.is_char_boundary(pos) {
            continue;
        }
        let rest = &word[pos..];
        for &(piece, numeral) in lexicon(lang).iter().chain(compound_only(lang)) {
            if !rest.starts_with(piece) {
                continue;
            }
            let Some(tail) = &best[pos + piece.len()] else {
                continue;
            };
            if best[pos].as_ref().is_none_or(|b| b.len() > tail.len() + 1) {
                let mut pieces = Vec::with_capacity(tail.len() + 1);
                pieces.push(numeral);
                pieces.extend_from_slice(tail);
                best[pos] = Some(pieces);
            }
        }
    }
    best.swap_remove(0).filter(|pieces| pieces.len() > 1)
}
