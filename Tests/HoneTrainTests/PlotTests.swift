import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import HoneTrain

@Suite("terminal plots")
struct TerminalPlotTests {
    /// The plot's lines as arrays of characters, for checking columns.
    func grid(_ text: String) -> [[Character]] { text.split(separator: "\n", omittingEmptySubsequences: false).map(Array.init) }

    @Test("points land in the columns and rows their values give, after the y-label gutter")
    func placement() {
        let line = PlotSeries(name: "a", points: [(0, 0), (5, 5), (10, 10)])
        let text = TerminalPlot.render([line], width: 11, height: 11, title: "t", color: false)
        let g = grid(text)
        #expect(g[0] == Array("t"))
        // Gutter "10" (the widest label), a space and the axis: the area starts at column 4.
        #expect(String(g[1]) == "10 ┤          *")
        #expect(String(g[6]) == "   │     *")
        #expect(String(g[11]) == " 0 ┤*")
        #expect(String(g[12]) == "   └───────────")
        #expect(String(g[13]) == "    0        10")
        #expect(String(g[14]) == "  * a")
        #expect(g.count == 16 && g[15].isEmpty)
    }

    @Test("each series has its own marker and a legend entry; NaN points are skipped")
    func markers() {
        let a = PlotSeries(name: "train", points: [(0, 1), (4, .nan), (4, 0)])
        let b = PlotSeries(name: "eval", points: [(2, 1), (.infinity, 3)])
        let g = grid(TerminalPlot.render([a, b], width: 5, height: 2, title: "", color: false))
        #expect(String(g[0]) == "1 ┤* +")
        #expect(String(g[1]) == "0 ┤    *")
        #expect(String(g.last { !$0.isEmpty }!) == "  * train   + eval")
        #expect(!g.joined().contains("nan"))
    }

    @Test("a single point and a constant series sit in the middle")
    func degenerate() {
        let g = grid(TerminalPlot.render([PlotSeries(name: "p", points: [(3, 7)])], width: 11, height: 5, title: "", color: false))
        // y 7 widens to 3.5 ... 10.5, x 3 to 1.5 ... 4.5.
        #expect(String(g[0]) == "10.5 ┤")
        #expect(String(g[2]) == "     │     *")
        #expect(String(g[4]) == " 3.5 ┤")
        let flat = grid(TerminalPlot.render([PlotSeries(name: "c", points: [(0, 2), (1, 2), (2, 2)])], width: 3, height: 3, title: "", color: false))
        #expect(String(flat[1]) == "  │***")
    }

    @Test("no finite point says so instead of drawing axes")
    func empty() {
        #expect(TerminalPlot.render([], title: "loss", color: false) == "loss\n(no points to plot)\n")
        #expect(TerminalPlot.render([PlotSeries(name: "x", points: [(.nan, 1)])], title: "", color: false) == "(no points to plot)\n")
    }

    @Test("colour wraps each marker in an ANSI escape and reset")
    func colour() {
        let text = TerminalPlot.render([PlotSeries(name: "a", points: [(0, 0), (1, 1)])], width: 4, height: 2, title: "", color: true)
        #expect(text.contains("\u{1B}[36m*\u{1B}[0m"))
    }

    @Test("axis labels keep four significant digits")
    func labels() {
        #expect(plotLabel(2.5) == "2.5")
        #expect(plotLabel(0.0001234) == "0.0001234")
        #expect(plotLabel(1.23456) == "1.235")
        #expect(plotLabel(25000) == "2.500e+04")
        #expect(plotLabel(-3) == "-3")
        #expect(plotLabel(0) == "0")
    }
}

@Suite("SVG plots")
struct SVGPlotTests {
    /// Element names and the text of a document, or the parser's error.
    final class Collector: NSObject, XMLParserDelegate {
        var elements: [String] = []
        var text = ""
        var attributes: [[String: String]] = []
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            elements.append(name)
            self.attributes.append(attributes)
        }
        func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }
    }

    func parse(_ svg: String) -> Collector? {
        let parser = XMLParser(data: Data(svg.utf8))
        let collector = Collector()
        parser.delegate = collector
        return parser.parse() ? collector : nil
    }

    @Test("the SVG is well-formed XML with a polyline per run of points, axes, ticks and a legend")
    func wellFormed() throws {
        let a = PlotSeries(name: "train <loss> & \"more\"", points: [(0, 3), (1, 2), (2, .nan), (3, 1), (4, 0.5)])
        let b = PlotSeries(name: "eval", points: [(2, 2.5)])
        let svg = SVGPlot.render([a, b], title: "Q&A run", xLabel: "step", yLabel: "loss")
        let doc = try #require(parse(svg))
        #expect(doc.elements.first == "svg")
        #expect(doc.elements.filter { $0 == "polyline" }.count == 2)
        #expect(doc.elements.filter { $0 == "circle" }.count == 1)
        // Two axes + 5 ticks on each axis + a legend line per series.
        #expect(doc.elements.filter { $0 == "line" }.count == 2 + 10 + 2)
        #expect(doc.text.contains("Q&A run"))
        #expect(doc.text.contains("train <loss> & \"more\""))
        #expect(doc.text.contains("step") && doc.text.contains("loss"))
        #expect(!svg.contains("nan"))
    }

    @Test("the first and last points sit at the plot area's corners")
    func coordinates() throws {
        let svg = SVGPlot.render([PlotSeries(name: "s", points: [(0, 0), (10, 1)])])
        let doc = try #require(parse(svg))
        let points = try #require(doc.attributes.first { $0["points"] != nil }?["points"])
        #expect(points == "70.00,340.00 620.00,40.00")
    }

    @Test("no points still gives a valid document")
    func empty() throws {
        let doc = try #require(parse(SVGPlot.render([], title: "")))
        #expect(doc.text.contains("no points to plot"))
        #expect(!doc.elements.contains("polyline"))
    }

    @Test("control characters XML cannot hold are dropped from text")
    func controlCharacters() throws {
        #expect(SVGPlot.escaped("a\u{1}b<") == "ab&lt;")
        #expect(parse(SVGPlot.render([], title: "bell\u{7}")) != nil)
    }
}
