//! Branch conditions: a tiny expression language over variables and entities.
//!
//! ```text
//! condition := or
//! or        := and ("or" and)*
//! and       := unary ("and" unary)*
//! unary     := "not" unary | "(" condition ")" | "is_set(" operand ")" | comparison
//! comparison:= operand (("==" | "!=" | "<" | "<=" | ">" | ">=" | "contains") operand)?
//! operand   := variable | "@"entity | 'text' | "text" | number | true | false | today
//! ```
//!
//! A bare operand is true when it is set and truthy. Comparisons between values of
//! different kinds, or with an unset side, are false (`!=` is then true when exactly one
//! side is set or the kinds differ).

use std::cmp::Ordering;

use jiff::civil::Date;

use super::value::Value;

/// Something a condition reads.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Operand {
    /// A dialog variable.
    Variable(String),
    /// An entity found in the visitor's last message (`@product`, `@sys_date`).
    Entity(String),
    /// A constant.
    Literal(Value),
    /// The site's current date.
    Today,
}

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CompareOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Contains,
}

/// A parsed condition.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Condition {
    And(Box<Condition>, Box<Condition>),
    Or(Box<Condition>, Box<Condition>),
    Not(Box<Condition>),
    IsSet(Operand),
    Truthy(Operand),
    Compare(Operand, CompareOp, Operand),
}

/// What a condition needs to evaluate.
pub(crate) trait Scope {
    fn variable(&self, name: &str) -> Option<&Value>;
    fn entity(&self, name: &str) -> Option<Value>;
    fn today(&self) -> Date;
}

impl Condition {
    /// Parses a condition; the error is a message for a diagnostic.
    pub(crate) fn parse(source: &str) -> Result<Condition, String> {
        let tokens = tokenize(source)?;
        let mut parser = Parser { tokens, at: 0 };
        let condition = parser.or()?;
        match parser.tokens.get(parser.at) {
            None => Ok(condition),
            Some(token) => Err(format!("unexpected `{}`", token.describe())),
        }
    }

    /// Every operand, for reference checks.
    pub(crate) fn operands(&self) -> Vec<&Operand> {
        match self {
            Condition::And(a, b) | Condition::Or(a, b) => {
                let mut all = a.operands();
                all.extend(b.operands());
                all
            }
            Condition::Not(inner) => inner.operands(),
            Condition::IsSet(op) | Condition::Truthy(op) => vec![op],
            Condition::Compare(a, _, b) => vec![a, b],
        }
    }

    /// Evaluates the condition.
    pub(crate) fn eval(&self, scope: &dyn Scope) -> bool {
        match self {
            Condition::And(a, b) => a.eval(scope) && b.eval(scope),
            Condition::Or(a, b) => a.eval(scope) || b.eval(scope),
            Condition::Not(inner) => !inner.eval(scope),
            Condition::IsSet(op) => resolve(op, scope).is_some(),
            Condition::Truthy(op) => resolve(op, scope).is_some_and(|v| v.is_truthy()),
            Condition::Compare(a, op, b) => compare(resolve(a, scope), *op, resolve(b, scope)),
        }
    }
}

fn resolve(operand: &Operand, scope: &dyn Scope) -> Option<Value> {
    match operand {
        Operand::Variable(name) => scope.variable(name).cloned(),
        Operand::Entity(name) => scope.entity(name),
        Operand::Literal(value) => Some(value.clone()),
        Operand::Today => Some(Value::Date(scope.today())),
    }
}

fn compare(left: Option<Value>, op: CompareOp, right: Option<Value>) -> bool {
    let (Some(left), Some(right)) = (left, right) else {
        return op == CompareOp::Ne;
    };
    if op == CompareOp::Contains {
        return match (&left, &right) {
            (Value::Text(hay), Value::Text(needle)) => {
                hay.to_lowercase().contains(&needle.to_lowercase())
            }
            _ => false,
        };
    }
    let ordering = match (&left, &right) {
        (Value::Text(a), Value::Text(b)) => Some(a.to_lowercase().cmp(&b.to_lowercase())),
        (Value::Number(a), Value::Number(b)) => a.partial_cmp(b),
        (Value::Date(a), Value::Date(b)) => Some(a.cmp(b)),
        (Value::Bool(a), Value::Bool(b)) => Some(a.cmp(b)),
        _ => None,
    };
    let Some(ordering) = ordering else {
        return op == CompareOp::Ne;
    };
    match op {
        CompareOp::Eq => ordering == Ordering::Equal,
        CompareOp::Ne => ordering != Ordering::Equal,
        CompareOp::Lt => ordering == Ordering::Less,
        CompareOp::Le => ordering != Ordering::Greater,
        CompareOp::Gt => ordering == Ordering::Greater,
        CompareOp::Ge => ordering != Ordering::Less,
        CompareOp::Contains => false,
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Token {
    Word(String),
    Entity(String),
    Text(String),
    Number(f64),
    Op(CompareOp),
    Open,
    Close,
}

impl Token {
    fn describe(&self) -> String {
        match self {
            Token::Word(word) => word.clone(),
            Token::Entity(name) => format!("@{name}"),
            Token::Text(text) => format!("'{text}'"),
            Token::Number(number) => number.to_string(),
            Token::Op(op) => format!("{op:?}"),
            Token::Open => "(".to_owned(),
            Token::Close => ")".to_owned(),
        }
    }
}

fn tokenize(source: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let chars: Vec<char> = source.chars().collect();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        let next = chars.get(i + 1).copied();
        match c {
            c if c.is_whitespace() => i += 1,
            '(' => {
                tokens.push(Token::Open);
                i += 1;
            }
            ')' => {
                tokens.push(Token::Close);
                i += 1;
            }
            '=' | '!' | '<' | '>' => {
                let (op, width) = match (c, next) {
                    ('=', Some('=')) => (CompareOp::Eq, 2),
                    ('!', Some('=')) => (CompareOp::Ne, 2),
                    ('<', Some('=')) => (CompareOp::Le, 2),
                    ('>', Some('=')) => (CompareOp::Ge, 2),
                    ('<', _) => (CompareOp::Lt, 1),
                    ('>', _) => (CompareOp::Gt, 1),
                    _ => return Err(format!("unknown operator starting with `{c}`")),
                };
                tokens.push(Token::Op(op));
                i += width;
            }
            '\'' | '"' => {
                let close = chars[i + 1..]
                    .iter()
                    .position(|&q| q == c)
                    .ok_or_else(|| "unterminated quoted text".to_owned())?;
                tokens.push(Token::Text(chars[i + 1..i + 1 + close].iter().collect()));
                i += close + 2;
            }
            '@' => {
                let word = take_word(&chars, i + 1);
                if word.is_empty() {
                    return Err("`@` must be followed by an entity name".to_owned());
                }
                i += 1 + word.chars().count();
                tokens.push(Token::Entity(word));
            }
            c if c.is_ascii_digit() || (c == '-' && next.is_some_and(|n| n.is_ascii_digit())) => {
                let mut end = i + 1;
                while chars
                    .get(end)
                    .is_some_and(|d| d.is_ascii_digit() || *d == '.')
                {
                    end += 1;
                }
                let text: String = chars[i..end].iter().collect();
                let number = text
                    .parse()
                    .map_err(|_| format!("`{text}` is not a number"))?;
                tokens.push(Token::Number(number));
                i = end;
            }
            c if c.is_alphabetic() || c == '_' => {
                let word = take_word(&chars, i);
                i += word.chars().count();
                tokens.push(match word.as_str() {
                    "contains" => Token::Op(CompareOp::Contains),
                    _ => Token::Word(word),
                });
            }
            other => return Err(format!("unexpected character `{other}`")),
        }
    }
    Ok(tokens)
}

fn take_word(chars: &[char], from: usize) -> String {
    chars[from.min(chars.len())..]
        .iter()
        .take_while(|c| c.is_alphanumeric() || **c == '_' || **c == '-')
        .collect()
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.at).cloned();
        self.at += 1;
        token
    }

    fn keyword(&mut self, word: &str) -> bool {
        if matches!(self.peek(), Some(Token::Word(w)) if w == word) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn or(&mut self) -> Result<Condition, String> {
        let mut left = self.and()?;
        while self.keyword("or") {
            left = Condition::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Condition, String> {
        let mut left = self.unary()?;
        while self.keyword("and") {
            left = Condition::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Condition, String> {
        if self.keyword("not") {
            return Ok(Condition::Not(Box::new(self.unary()?)));
        }
        if self.peek() == Some(&Token::Open) {
            self.at += 1;
            let inner = self.or()?;
            return match self.next() {
                Some(Token::Close) => Ok(inner),
                _ => Err("missing `)`".to_owned()),
            };
        }
        if matches!(self.peek(), Some(Token::Word(w)) if w == "is_set")
            && self.tokens.get(self.at + 1) == Some(&Token::Open)
        {
            self.at += 2;
            let operand = self.operand()?;
            return match self.next() {
                Some(Token::Close) => Ok(Condition::IsSet(operand)),
                _ => Err("`is_set(` takes one variable or entity and a `)`".to_owned()),
            };
        }
        let left = self.operand()?;
        if let Some(Token::Op(op)) = self.peek() {
            let op = *op;
            self.at += 1;
            let right = self.operand()?;
            return Ok(Condition::Compare(left, op, right));
        }
        Ok(Condition::Truthy(left))
    }

    fn operand(&mut self) -> Result<Operand, String> {
        match self.next() {
            Some(Token::Word(word)) => Ok(match word.as_str() {
                "true" => Operand::Literal(Value::Bool(true)),
                "false" => Operand::Literal(Value::Bool(false)),
                "today" => Operand::Today,
                "and" | "or" | "not" | "is_set" => {
                    return Err(format!("`{word}` cannot be used as a value"));
                }
                _ => Operand::Variable(word),
            }),
            Some(Token::Entity(name)) => Ok(Operand::Entity(name)),
            Some(Token::Text(text)) => Ok(Operand::Literal(Value::Text(text))),
            Some(Token::Number(number)) => Ok(Operand::Literal(Value::Number(number))),
            Some(token) => Err(format!(
                "expected a variable, an @entity or a value, found `{}`",
                token.describe()
            )),
            None => Err("the condition ends too early".to_owned()),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    struct TestScope(BTreeMap<&'static str, Value>);

    impl Scope for TestScope {
        fn variable(&self, name: &str) -> Option<&Value> {
            self.0.get(name)
        }
        fn entity(&self, name: &str) -> Option<Value> {
            self.0.get(format!("@{name}").as_str()).cloned()
        }
        fn today(&self) -> Date {
            jiff::civil::date(2026, 3, 2)
        }
    }

    fn eval(source: &str) -> bool {
        let scope = TestScope(BTreeMap::from([
            ("count", Value::Number(3.0)),
            ("name", Value::Text("Ada Lovelace".to_owned())),
            ("vip", Value::Bool(true)),
            ("day", Value::Date(jiff::civil::date(2026, 3, 2))),
            ("@product", Value::Text("lamp".to_owned())),
        ]));
        Condition::parse(source).unwrap().eval(&scope)
    }

    #[test]
    fn comparisons_follow_the_value_kinds() {
        assert!(eval("count > 2 and count <= 3"));
        assert!(eval("name contains 'love'"));
        assert!(eval("@product == 'LAMP'"));
        assert!(eval("day == today"));
        assert!(!eval("count == 'three'"));
        assert!(eval("count != 'three'"));
    }

    #[test]
    fn boolean_operators_nest_with_parentheses() {
        assert!(eval("not (vip and count < 1) or missing"));
        assert!(eval("vip and not missing"));
        assert!(!eval("is_set(missing) or is_set(@color)"));
        assert!(eval("is_set(@product)"));
    }

    #[test]
    fn unset_values_compare_false_except_for_not_equal() {
        assert!(!eval("missing == 1"));
        assert!(eval("missing != 1"));
    }

    #[test]
    fn malformed_conditions_are_errors_not_panics() {
        for bad in [
            "",
            "count >",
            "(vip",
            "is_set(vip",
            "'open",
            "count = 3",
            "@",
            "vip vip",
            "and",
            "#",
        ] {
            assert!(Condition::parse(bad).is_err(), "{bad:?} should not parse");
        }
    }
}
