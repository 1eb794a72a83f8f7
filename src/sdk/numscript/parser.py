"""Parser: tokens -> `nodes.Program`. One entry point, `parse_program(text)`.

Recursive descent over the grammar of the reference implementation:

    program     = [ "#!" "[" "feature" "(" STRING {"," STRING} ")" "]" ] [ vars ] { statement }
    vars        = "vars" "{" { IDENT VARIABLE [ "=" expr ] } "}"
    statement   = "send" sent "(" "source" "=" source "destination" "=" destination ")"
                | "save" sent "from" expr
                | call
    sent        = expr | "[" expr "*" "]"
    source      = expr [ "\\" expr ] [ "allowing" ( "unbounded" "overdraft" | "overdraft" "up" "to" expr ) ]
                | expr "with" "scaling" "through" expr
                | "{" { portion "from" source } "}" | "{" { source } "}"
                | "oneof" "{" source { source } "}" | "max" expr "from" source
    destination = expr | "{" { portion target } "}"
                | [ "oneof" ] "{" { "max" expr target } "remaining" target "}"
    target      = "to" destination | "kept"
    portion     = expr | "remaining"
    expr        = term { ("+" | "-") term } ; term = unary { "/" unary } ; unary = "-" unary | primary
    monetary    = "[" expr expr "]"       (the asset is the longest expression leaving an amount:
                                           `[USD -1]` is USD and -1)

Errors raise ParseError at the first offending token, naming what was expected there.
"""

from __future__ import annotations

from math import gcd
from typing import List, Optional, Tuple, Union

from . import lexer
from . import nodes as n
from .errors import ParseError
from .lexer import Token
from .values import Account, Asset, Monetary, Portion

_STARTS_EXPR = frozenset(
    {lexer.VARIABLE, lexer.ASSET, lexer.STRING, lexer.ACCOUNT, lexer.NUMBER, lexer.PERCENT, lexer.IDENT,
     "overdraft", "[", "(", "-"}
)


def _describe(token: Token) -> str:
    if token.kind == lexer.EOF:
        return "the end of the script"
    return repr(token.text)


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = lexer.tokenize(text)
        self.index = 0

    # --- token helpers ------------------------------------------------------------------

    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def peek(self, offset: int = 1) -> Token:
        return self.tokens[min(self.index + offset, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        if token.kind != lexer.EOF:
            self.index += 1
        return token

    def at(self, kind: str) -> bool:
        return self.tokens[self.index].kind == kind

    def accept(self, kind: str) -> Optional[Token]:
        if self.tokens[self.index].kind == kind:
            return self.advance()
        return None

    def error(self, expected: str, token: Optional[Token] = None) -> ParseError:
        token = token or self.current
        lines = self.text.splitlines()
        source_line = lines[token.line - 1] if 0 < token.line <= len(lines) else ""
        return ParseError(
            f"expected {expected}, found {_describe(token)}", token.line, token.column, source_line,
            length=len(token.text),
        )

    def expect(self, kind: str, what: str = "") -> Token:
        if self.tokens[self.index].kind == kind:
            return self.advance()
        raise self.error(what or repr(kind))

    # --- program --------------------------------------------------------------------------

    def program(self) -> n.Program:
        flags: List[n.FeatureFlag] = []
        if self.at("#!"):
            self.advance()
            self.expect("[", "'[' after '#!'")
            self.expect("feature", "'feature' in '#![feature(\"...\")]'")
            self.expect("(", "'(' after 'feature'")
            if self.at(lexer.STRING):
                while True:
                    flag = self.expect(lexer.STRING, "a feature name in double quotes")
                    flags.append(n.FeatureFlag(flag.line, flag.column, str(flag.value)))
                    if not self.accept(","):
                        break
            self.expect(")", "')' closing the feature list")
            self.expect("]", "']' closing '#![feature(...)'")
        declarations: Tuple[n.VarDeclaration, ...] = ()
        if self.at("vars"):
            declarations = self.vars_block()
        statements: List[n.Statement] = []
        while not self.at(lexer.EOF):
            statements.append(self.statement())
        return n.Program(self.text, tuple(flags), declarations, tuple(statements))

    def vars_block(self) -> Tuple[n.VarDeclaration, ...]:
        self.advance()
        self.expect("{", "'{' after 'vars'")
        declarations: List[n.VarDeclaration] = []
        while not self.accept("}"):
            type_token = self.expect(lexer.IDENT, "a variable type (account, asset, number, string, monetary, "
                "portion) or '}'")
            name = self.expect(lexer.VARIABLE, f"a variable name ($name) after the type '{type_token.text}'")
            origin = None
            if self.accept("="):
                origin = self.expr()
            declarations.append(
                n.VarDeclaration(type_token.line, type_token.column, type_token.text, str(name.value), origin)
            )
        return tuple(declarations)

    def statement(self) -> n.Statement:
        token = self.current
        if token.kind == "send":
            self.advance()
            amount = self.sent_value()
            self.expect("(", "'(' after the amount to send")
            self.expect("source", "'source = ...' in the send statement")
            self.expect("=", "'=' after 'source'")
            source = self.source()
            self.expect("destination", "'destination = ...' after the source")
            self.expect("=", "'=' after 'destination'")
            destination = self.destination()
            self.expect(")", "')' closing the send statement")
            return n.Send(token.line, token.column, amount, source, destination)
        if token.kind == "save":
            self.advance()
            amount = self.sent_value()
            self.expect("from", "'from' after the amount to save")
            account = self.expr()
            return n.Save(token.line, token.column, amount, account)
        if token.kind in (lexer.IDENT, "overdraft") and self.peek().kind == "(":
            call = self.call()
            return n.CallStatement(token.line, token.column, call)
        raise self.error("a statement (send, save or a function call such as set_tx_meta(...))")

    def sent_value(self) -> Union[n.Expr, n.SendAll]:
        if self.at("["):
            start = self.index
            open_token = self.advance()
            asset = self.expr()
            if self.accept("*"):
                self.expect("]", "']' after '*'")
                return n.SendAll(open_token.line, open_token.column, asset)
            self.index = start  # an ordinary monetary, possibly followed by '+' or '-'
        return self.expr()

    # --- sources ----------------------------------------------------------------------------

    def source(self) -> n.Source:
        token = self.current
        if token.kind == "max":
            self.advance()
            cap = self.expr()
            self.expect("from", "'from' after the cap of 'max'")
            return n.CappedSource(token.line, token.column, cap, self.source())
        if token.kind == "oneof":
            self.advance()
            self.expect("{", "'{' after 'oneof'")
            sources = [self.source()]
            while not self.accept("}"):
                sources.append(self.source())
            return n.OneofSource(token.line, token.column, tuple(sources))
        if token.kind == "{":
            return self.braced_source()
        if token.kind in _STARTS_EXPR:
            return self.account_source(self.expr(), token)
        raise self.error("a source (an account, '{', 'max' or 'oneof')")

    def account_source(self, address: n.Expr, token: Token) -> n.Source:
        if self.accept("with"):
            self.expect("scaling", "'scaling' after 'with'")
            self.expect("through", "'through' after 'with scaling'")
            return n.ScalingSource(token.line, token.column, address, self.expr())
        color = None
        if self.accept("\\"):
            color = self.expr()
        if self.accept("allowing"):
            if self.accept("unbounded"):
                self.expect("overdraft", "'overdraft' after 'allowing unbounded'")
                return n.AccountSource(token.line, token.column, address, color, n.UNBOUNDED_OVERDRAFT, None)
            self.expect("overdraft", "'overdraft' or 'unbounded overdraft' after 'allowing'")
            self.expect("up", "'up to' after 'allowing overdraft'")
            self.expect("to", "'to' after 'allowing overdraft up'")
            return n.AccountSource(token.line, token.column, address, color, n.BOUNDED_OVERDRAFT, self.expr())
        return n.AccountSource(token.line, token.column, address, color, n.NO_OVERDRAFT, None)

    def braced_source(self) -> n.Source:
        open_token = self.advance()
        if self.accept("}"):
            return n.InorderSource(open_token.line, open_token.column, ())
        # The first item decides: `portion from source` makes an allotment, anything else
        # an in-order list (the grammar allows no mixing).
        first = self.current
        if first.kind == "remaining":
            return self.source_allotment(open_token)
        if first.kind in _STARTS_EXPR:
            expr = self.expr()
            if self.at("from"):
                return self.source_allotment(open_token, expr, first)
            sources = [self.account_source(expr, first)]
        else:
            sources = [self.source()]
        while not self.accept("}"):
            if self.at(lexer.EOF):
                raise self.error("'}' closing the list of sources")
            sources.append(self.source())
        return n.InorderSource(open_token.line, open_token.column, tuple(sources))

    def source_allotment(
        self, open_token: Token, first_portion: Optional[n.Expr] = None, first_token: Optional[Token] = None
    ) -> n.AllotmentSource:
        items: List[Tuple[Optional[n.Expr], n.Source]] = []
        pending = first_portion is not None
        while True:
            if pending:
                portion: Optional[n.Expr] = first_portion
                pending = False
            elif self.accept("}"):
                break
            elif self.accept("remaining"):
                portion = None
            elif self.current.kind in _STARTS_EXPR:
                portion = self.expr()
            else:
                raise self.error("a portion ('1/3', '50%', a variable or 'remaining') or '}'")
            self.expect("from", "'from' after the portion")
            items.append((portion, self.source()))
        return n.AllotmentSource(open_token.line, open_token.column, tuple(items))

    # --- destinations ---------------------------------------------------------------------

    def destination(self) -> n.Destination:
        token = self.current
        if token.kind == "oneof":
            self.advance()
            self.expect("{", "'{' after 'oneof'")
            clauses, remaining = self.inorder_clauses()
            return n.OneofDestination(token.line, token.column, clauses, remaining)
        if token.kind == "{":
            self.advance()
            if self.at("max"):
                clauses, remaining = self.inorder_clauses()
                return n.InorderDestination(token.line, token.column, clauses, remaining)
            return self.destination_allotment(token)
        if token.kind in _STARTS_EXPR:
            return n.AccountDestination(token.line, token.column, self.expr())
        raise self.error("a destination (an account, '{' or 'oneof')")

    def target(self) -> n.Target:
        token = self.current
        if self.accept("kept"):
            return n.Kept(token.line, token.column)
        self.expect("to", "'to' or 'kept'")
        return self.destination()

    def inorder_clauses(self) -> Tuple[Tuple[Tuple[n.Expr, n.Target], ...], n.Target]:
        clauses: List[Tuple[n.Expr, n.Target]] = []
        while self.accept("max"):
            cap = self.expr()
            clauses.append((cap, self.target()))
        self.expect("remaining", "'max ...' or 'remaining ...' (the last clause must be 'remaining')")
        remaining = self.target()
        self.expect("}", "'}' after the 'remaining' clause")
        return tuple(clauses), remaining

    def destination_allotment(self, open_token: Token) -> n.AllotmentDestination:
        items: List[Tuple[Optional[n.Expr], n.Target]] = []
        while True:
            if self.at("}") and items:
                self.advance()
                break
            portion: Optional[n.Expr]
            if self.accept("remaining"):
                portion = None
            elif self.current.kind in _STARTS_EXPR:
                portion = self.expr()
            else:
                raise self.error("a portion ('1/3', '50%', a variable or 'remaining') or 'max'")
            items.append((portion, self.target()))
        return n.AllotmentDestination(open_token.line, open_token.column, tuple(items))

    # --- expressions --------------------------------------------------------------------------

    def expr(self) -> n.Expr:
        return self.expr_prefixes()[-1][1]

    def expr_prefixes(self) -> List[Tuple[int, n.Expr]]:
        """Parse an expression; returns (token index after, expression) for each of its
        left-associative prefixes (`a`, `a + b`, `a + b - c`), the whole expression last."""
        left = self.term()
        prefixes = [(self.index, left)]
        while self.current.kind in ("+", "-"):
            operator = self.advance()
            right = self.term()
            left = n.BinaryOp(operator.line, operator.column, operator.kind, left, right)
            prefixes.append((self.index, left))
        return prefixes

    def term(self) -> n.Expr:
        left = self.unary()
        while self.at("/"):
            operator = self.advance()
            right = self.unary()
            left = n.BinaryOp(operator.line, operator.column, "/", left, right)
        return left

    def unary(self) -> n.Expr:
        if self.at("-"):
            operator = self.advance()
            return n.Negation(operator.line, operator.column, self.unary())
        return self.primary()

    def primary(self) -> n.Expr:
        token = self.current
        kind = token.kind
        if kind == lexer.VARIABLE:
            self.advance()
            return n.Variable(token.line, token.column, str(token.value))
        if kind == lexer.NUMBER:
            self.advance()
            return n.NumberLiteral(token.line, token.column, token.value)  # type: ignore[arg-type]
        if kind == lexer.ASSET:
            self.advance()
            return n.AssetLiteral(token.line, token.column, token.text, Asset(token.text))
        if kind == lexer.ACCOUNT:
            self.advance()
            parts: Tuple[Tuple[str, str], ...] = token.value  # type: ignore[assignment]
            # (joined from the parts: the reference allows spaces before a ':', as in `@users :001`)
            name = "" if any(kind_ == "var" for kind_, _ in parts) else ":".join(text for _, text in parts)
            return n.AccountLiteral(token.line, token.column, parts, name, Account(name) if name else None)
        if kind == lexer.STRING:
            self.advance()
            return n.StringLiteral(token.line, token.column, str(token.value))
        if kind == lexer.PERCENT:
            self.advance()
            percent: Tuple[int, int] = token.value  # type: ignore[assignment]
            digits, decimals = percent
            numerator, denominator = digits, 100 * 10**decimals
            divisor = gcd(numerator, denominator)
            numerator, denominator = numerator // divisor, denominator // divisor
            return n.PercentLiteral(
                token.line, token.column, numerator, denominator, token.text, Portion(numerator, denominator)
            )
        if kind == "[":
            return self.monetary_literal()
        if kind == "(":
            self.advance()
            inner = self.expr()
            self.expect(")", "')' closing the parenthesis")
            return inner
        if kind in (lexer.IDENT, "overdraft") and self.peek().kind == "(":
            return self.call()
        raise self.error("a value (a number, monetary, account, asset, string, portion, variable or function call)")

    def monetary_literal(self) -> n.MonetaryLiteral:
        """`[asset amount]`, both any expression. Where they meet is ambiguous (`[USD -1]`): as
        the reference grammar does, the asset is the longest expression that still leaves an
        amount and a closing ']'."""
        token = self.advance()
        prefixes = self.expr_prefixes()
        if self.at("*"):
            raise self.error("an amount ('[ASSET *]' is only allowed as the amount of send or save)")
        first_error: Optional[ParseError] = None
        for end, asset in reversed(prefixes):
            self.index = end
            try:
                amount = self.expr()
                self.expect("]", "']' closing the monetary")
            except ParseError as exc:
                first_error = first_error or exc
                continue
            return n.MonetaryLiteral(token.line, token.column, asset, amount, _constant_monetary(asset, amount))
        assert first_error is not None
        raise first_error

    def call(self) -> n.Call:
        name = self.advance()
        self.expect("(", f"'(' after the function name '{name.text}'")
        args: List[n.Expr] = []
        if not self.accept(")"):
            args.append(self.expr())
            while self.accept(","):
                args.append(self.expr())
            self.expect(")", f"',' or ')' in the arguments of {name.text}()")
        return n.Call(name.line, name.column, name.text, tuple(args))


def _constant_monetary(asset: n.Expr, amount: n.Expr) -> Optional[Monetary]:
    if isinstance(asset, n.AssetLiteral) and isinstance(amount, n.NumberLiteral):
        return Monetary(asset.value, amount.value)
    return None


def parse_program(text: str) -> n.Program:
    """Parse `text` into a Program; raises ParseError (with line and column) on invalid syntax."""
    return _Parser(text).program()
