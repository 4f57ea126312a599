Attribute VB_Name = "XLTools"
' xltools: the four buttons of the "Bao cao KT-XH" ribbon tab, and the macros the xltools
' server calls back.
'
' Each button runs one handler of the Python module xltools.excel on the active workbook:
' on this computer with xlwings' RunPython, or, when XLTOOLS_SERVER_URL is set, on the
' office's xltools server with RunRemotePython (staff PCs then need no Python).
' `xltools addin` builds XLTools.xlam from this module and the xlwings modules it calls, so
' no reference to the xlwings add-in is needed. Works from Excel 2010, 32 and 64 bit.
' The module is ASCII so that it imports the same on every code page: the Vietnamese text
' users see is written with \uXXXX escapes, decoded by XLToolsText.
Option Explicit

' Leave empty to run Python on this computer; e.g. "http://10.0.0.5:8000" to use the server.
Private Const XLTOOLS_SERVER_URL As String = ""
' The access code given to `xltools serve --token`; empty when the server runs without one.
Private Const XLTOOLS_TOKEN As String = ""
' How long a button waits for the server: merging many ward files takes a while.
Private Const XLTOOLS_TIMEOUT_MS As Long = 300000

' The labels of column A next to which the handlers write (xltools/excel.py).
Private Const INFO_SHEET As String = "Th\u00F4ng tin"
Private Const FINDINGS_SHEET As String = "Ki\u1EC3m tra"
Private Const MESSAGE_LABEL As String = "K\u1EBFt qu\u1EA3 x\u1EED l\u00FD"
Private Const REPORT_LABEL As String = "T\u1EC7p b\u00E1o c\u00E1o"

Private pressed As Workbook          ' the workbook of the button press under way
Private protectedSheets As Collection
Private notices As String            ' messages gathered during a press, shown at its end

#If Mac Then
#ElseIf VBA7 Then
Private Declare PtrSafe Function MessageBoxW Lib "user32" (ByVal hwnd As LongPtr, ByVal text As LongPtr, _
    ByVal caption As LongPtr, ByVal style As Long) As Long
#Else
Private Declare Function MessageBoxW Lib "user32" (ByVal hwnd As Long, ByVal text As Long, _
    ByVal caption As Long, ByVal style As Long) As Long
#End If

' ---------------------------------------------------------------- ribbon callbacks

Public Sub XLToolsCheckButton(control As IRibbonControl)
    XLToolsCheck
End Sub

Public Sub XLToolsComputeButton(control As IRibbonControl)
    XLToolsCompute
End Sub

Public Sub XLToolsMergeButton(control As IRibbonControl)
    XLToolsMerge
End Sub

Public Sub XLToolsReportButton(control As IRibbonControl)
    XLToolsReport
End Sub

' ---------------------------------------------------------------- one Sub per button
' (also usable from a shape button or Alt+F8). Every error ends in XLToolsEnd, which shows
' what happened; the previous result is cleared first, so it is never shown again.

Public Sub XLToolsCheck()
    If Not XLToolsBegin() Then Exit Sub
    On Error GoTo Failed
    If XLTOOLS_SERVER_URL = "" Then
        RunPython "import xltools.excel as x; x.check_caller()"
    Else
        RunRemotePython XLToolsUrl("check"), XLTOOLS_TOKEN, timeout:=XLTOOLS_TIMEOUT_MS
    End If
Failed:
    XLToolsEnd Err.Number, Err.Description
End Sub

Public Sub XLToolsCompute()
    If Not XLToolsBegin() Then Exit Sub
    On Error GoTo Failed
    If XLTOOLS_SERVER_URL = "" Then
        RunPython "import xltools.excel as x; x.compute_caller()"
    Else
        RunRemotePython XLToolsUrl("compute"), XLTOOLS_TOKEN, timeout:=XLTOOLS_TIMEOUT_MS
    End If
Failed:
    XLToolsEnd Err.Number, Err.Description
End Sub

Public Sub XLToolsMerge()
    If Not XLToolsBegin() Then Exit Sub
    On Error GoTo Failed
    If XLTOOLS_SERVER_URL = "" Then
        RunPython "import xltools.excel as x; x.merge_caller()"
    Else
        RunRemotePython XLToolsUrl("merge"), XLTOOLS_TOKEN, timeout:=XLTOOLS_TIMEOUT_MS
    End If
Failed:
    XLToolsEnd Err.Number, Err.Description
End Sub

' Locally the report is written next to the workbook and opened from there; from the server
' it comes back through XLToolsOpenReport.
Public Sub XLToolsReport()
    If Not XLToolsBegin(REPORT_LABEL) Then Exit Sub
    On Error GoTo Failed
    If XLTOOLS_SERVER_URL = "" Then
        RunPython "import xltools.excel as x; x.report_caller()"
        XLToolsOpenDocument XLToolsValue(pressed, REPORT_LABEL)
    Else
        RunRemotePython XLToolsUrl("report"), XLTOOLS_TOKEN, timeout:=XLTOOLS_TIMEOUT_MS
    End If
Failed:
    XLToolsEnd Err.Number, Err.Description
End Sub

' ---------------------------------------------------------------- called back by the server
' The server asks for these through xlwings' runMacro action (Application.Run name, wb, args),
' naming this workbook: "'XLTools.xlam'!XLToolsSetNote". Do not rename them.

' Set (or, with an empty text, remove) the note of one cell: VBA clients have no note action.
Public Sub XLToolsSetNote(wb As Workbook, sheetName As Variant, address As Variant, text As Variant)
    Dim cell As Range
    Set cell = wb.Worksheets(CStr(sheetName)).Range(CStr(address))
    If Not cell.Comment Is Nothing Then cell.Comment.Delete
    If CStr(text) <> "" Then
        cell.AddComment CStr(text)
        cell.Comment.Shape.Width = 300
        cell.Comment.Shape.Height = 90
    End If
End Sub

' Show `text` at the end of the press, in a dialog that shows Vietnamese (xlwings' alert cannot).
Public Sub XLToolsMessage(wb As Workbook, text As Variant)
    XLToolsNotice CStr(text)
End Sub

' Download the report the server keeps under `reportId` (GET <server>/reports/<id>, with the
' access code in Authorization like every request) into the user's Documents folder as
' `fileName`, write where it went next to "Tep bao cao", and open it in Word.
Public Sub XLToolsOpenReport(wb As Workbook, reportId As Variant, fileName As Variant)
#If Mac Then
    XLToolsNotice XLToolsText("L\u1ED7i: ch\u1EC9 Excel cho Windows t\u1EA3i \u0111\u01B0\u1EE3c b\u00E1o c\u00E1o v\u1EC1 m\u00E1y; h\u1ECFi c\u00E1n b\u1ED9 c\u00F4ng ngh\u1EC7 th\u00F4ng tin t\u1EC7p b\u00E1o c\u00E1o tr\u00EAn m\u00E1y ch\u1EE7.")
#Else
    Dim path As String, cell As Range
    On Error GoTo Failed
    path = XLToolsDownload(CStr(reportId), CStr(fileName))
    Set cell = XLToolsLabel(wb, REPORT_LABEL)
    If Not cell Is Nothing Then cell.Offset(0, 1).Value = path
    XLToolsNotice XLToolsText("\u0110\u00E3 l\u01B0u b\u00E1o c\u00E1o v\u00E0o ") & path
    XLToolsOpenDocument path
    Exit Sub
Failed:
    XLToolsNotice XLToolsText("L\u1ED7i: kh\u00F4ng t\u1EA3i \u0111\u01B0\u1EE3c b\u00E1o c\u00E1o t\u1EEB m\u00E1y ch\u1EE7 v\u1EC1 m\u00E1y n\u00E0y (") & Err.Description & _
        XLToolsText("). B\u1EA5m l\u1EA1i n\u00FAt T\u1EA1o b\u00E1o c\u00E1o; n\u1EBFu v\u1EABn l\u1ED7i, b\u00E1o c\u00E1n b\u1ED9 c\u00F4ng ngh\u1EC7 th\u00F4ng tin.")
#End If
End Sub

' Called by xlwings' RunRemotePython (its Remote module, changed by `xltools addin`) when the
' server refuses the request, instead of xlwings' message box, which garbles Vietnamese.
Public Sub XLToolsServerError(ByVal status As Long, ByVal text As String)
    If status = 408 Then
        XLToolsNotice XLToolsText("L\u1ED7i: m\u00E1y ch\u1EE7 xltools kh\u00F4ng tr\u1EA3 l\u1EDDi k\u1ECBp (qu\u00E1 ") & XLTOOLS_TIMEOUT_MS \ 1000 & _
            XLToolsText(" gi\u00E2y). B\u1EA5m l\u1EA1i sau \u00EDt ph\u00FAt; n\u1EBFu v\u1EABn l\u1ED7i, b\u00E1o c\u00E1n b\u1ED9 c\u00F4ng ngh\u1EC7 th\u00F4ng tin.")
        Exit Sub
    End If
    If Left$(text, 9) = "xltools: " Then text = Mid$(text, 10)
    XLToolsNotice XLToolsText("L\u1ED7i: m\u00E1y ch\u1EE7 xltools t\u1EEB ch\u1ED1i y\u00EAu c\u1EA7u (m\u00E3 ") & status & "): " & text
End Sub

' ---------------------------------------------------------------- a press from start to end

' Check that there is a workbook to work on, unprotect its sheets (the standard workbooks are
' protected without a password) and clear the previous outcome (and `alsoClear`).
Private Function XLToolsBegin(Optional alsoClear As String = "") As Boolean
    Dim sheet As Worksheet
    notices = ""
    Set pressed = Nothing
    If XLToolsProtectedView() Then
        XLToolsShow XLToolsText("T\u1EC7p \u0111ang m\u1EDF \u1EDF Ch\u1EBF \u0111\u1ED9 xem \u0111\u01B0\u1EE3c b\u1EA3o v\u1EC7 (Protected View). B\u1EA5m \u00ABCho ph\u00E9p ch\u1EC9nh s\u1EEDa\u00BB (Enable Editing) tr\u00EAn thanh b\u00E1o m\u00E0u v\u00E0ng r\u1ED3i b\u1EA5m l\u1EA1i n\u00FAt.")
        Exit Function
    End If
    If ActiveWorkbook Is Nothing Then
        XLToolsShow XLToolsText("Ch\u01B0a c\u00F3 b\u1EA3ng t\u00EDnh n\u00E0o \u0111ang m\u1EDF. M\u1EDF bi\u1EC3u s\u1ED1 li\u1EC7u r\u1ED3i b\u1EA5m l\u1EA1i n\u00FAt.")
        Exit Function
    End If
    Set pressed = ActiveWorkbook
    Set protectedSheets = New Collection
    On Error GoTo Locked
    For Each sheet In pressed.Worksheets
        If sheet.ProtectContents Then
            sheet.Unprotect
            protectedSheets.Add sheet.Name
        End If
    Next
    On Error GoTo 0
    XLToolsClear MESSAGE_LABEL
    If alsoClear <> "" Then XLToolsClear alsoClear
    XLToolsBegin = True
    Exit Function
Locked:
    XLToolsShow XLToolsText("L\u1ED7i: trang t\u00EDnh \u00AB") & sheet.Name & _
        XLToolsText("\u00BB \u0111\u01B0\u1EE3c kh\u00F3a b\u1EB1ng m\u1EADt kh\u1EA9u n\u00EAn kh\u00F4ng ghi \u0111\u01B0\u1EE3c k\u1EBFt qu\u1EA3. B\u1ECF kh\u00F3a (Review \u203A Unprotect Sheet) r\u1ED3i b\u1EA5m l\u1EA1i n\u00FAt.")
    XLToolsProtectAgain
End Function

' Protect again what XLToolsBegin unprotected, then show the outcome the handler wrote next to
' "Ket qua xu ly" with what happened on the way (`number` <> 0: the error that stopped it).
Private Sub XLToolsEnd(ByVal number As Long, ByVal description As String)
    Dim message As String
    XLToolsProtectAgain
    If number <> 0 Then
        If XLTOOLS_SERVER_URL = "" Then
            XLToolsNotice XLToolsText("L\u1ED7i: kh\u00F4ng ch\u1EA1y \u0111\u01B0\u1EE3c xltools b\u1EB1ng Python tr\u00EAn m\u00E1y n\u00E0y. Ki\u1EC3m tra c\u00E0i \u0111\u1EB7t Python, xlwings v\u00E0 xltools (t\u00E0i li\u1EC7u c\u00E0i \u0111\u1EB7t, c\u00E1ch A). Chi ti\u1EBFt k\u1EF9 thu\u1EADt: ") & description
        Else
            XLToolsNotice XLToolsText("L\u1ED7i: kh\u00F4ng g\u1EEDi \u0111\u01B0\u1EE3c b\u1EA3ng t\u00EDnh \u0111\u1EBFn m\u00E1y ch\u1EE7 xltools (") & XLToolsServer() & _
                XLToolsText("). Ki\u1EC3m tra m\u1EA1ng v\u00E0 m\u00E1y ch\u1EE7 r\u1ED3i b\u1EA5m l\u1EA1i n\u00FAt. Chi ti\u1EBFt k\u1EF9 thu\u1EADt: ") & description
        End If
    End If
    message = XLToolsValue(pressed, MESSAGE_LABEL)
    If notices <> "" Then
        If message <> "" Then message = message & vbCrLf & vbCrLf
        message = message & notices
    ElseIf message = "" Then
        message = XLToolsText("L\u1ED7i: xltools kh\u00F4ng tr\u1EA3 k\u1EBFt qu\u1EA3 n\u00E0o cho l\u1EA7n b\u1EA5m n\u00E0y. B\u1EA5m l\u1EA1i n\u00FAt; n\u1EBFu v\u1EABn l\u1ED7i, b\u00E1o c\u00E1n b\u1ED9 c\u00F4ng ngh\u1EC7 th\u00F4ng tin.")
    End If
    notices = ""
    Set pressed = Nothing
    XLToolsShow message
End Sub

Private Sub XLToolsProtectAgain()
    Dim name As Variant
    If protectedSheets Is Nothing Or pressed Is Nothing Then Exit Sub
    On Error Resume Next
    For Each name In protectedSheets
        pressed.Worksheets(CStr(name)).Protect AllowFormattingColumns:=True, AllowFormattingRows:=True
    Next
    Set protectedSheets = Nothing
End Sub

Private Function XLToolsProtectedView() As Boolean
#If Not Mac Then
    On Error Resume Next
    XLToolsProtectedView = Not Application.ActiveProtectedViewWindow Is Nothing
#End If
End Function

Private Sub XLToolsNotice(ByVal text As String)
    If notices <> "" Then notices = notices & vbCrLf & vbCrLf
    notices = notices & text
End Sub

' ---------------------------------------------------------------- the workbook

' Return the cell holding `label` in column A of "Thong tin", or of "Kiem tra" (where the
' outcome goes when "Thong tin" is missing); Nothing when neither has it.
Private Function XLToolsLabel(wb As Workbook, label As String) As Range
    Dim sheet As Worksheet
    If wb Is Nothing Then Exit Function
    On Error Resume Next
    For Each sheet In wb.Worksheets
        If sheet.Name = XLToolsText(INFO_SHEET) Or sheet.Name = XLToolsText(FINDINGS_SHEET) Then
            Set XLToolsLabel = sheet.Columns(1).Find(What:=XLToolsText(label), LookIn:=xlValues, LookAt:=xlWhole)
            If Not XLToolsLabel Is Nothing Then Exit Function
        End If
    Next
End Function

Private Function XLToolsValue(wb As Workbook, label As String) As String
    Dim cell As Range
    Set cell = XLToolsLabel(wb, label)
    On Error Resume Next
    If Not cell Is Nothing Then XLToolsValue = CStr(cell.Offset(0, 1).Value)
End Function

Private Sub XLToolsClear(label As String)
    Dim cell As Range
    Set cell = XLToolsLabel(pressed, label)
    On Error Resume Next
    If Not cell Is Nothing Then cell.Offset(0, 1).ClearContents
End Sub

' ---------------------------------------------------------------- the report file

#If Not Mac Then
' Return where the report `reportId` was saved: Documents\<fileName>, or "<name> (2).docx"...
' when that file exists already (it may be open in Word).
Private Function XLToolsDownload(reportId As String, fileName As String) As String
    Dim http As Object, stream As Object, path As String
    Set http = CreateObject("WinHttp.WinHttpRequest.5.1")
    http.Open "GET", XLToolsServer() & "/reports/" & XLToolsEncode(reportId), False
    http.SetTimeouts 10000, 10000, 30000, XLTOOLS_TIMEOUT_MS
    If XLTOOLS_TOKEN <> "" Then http.SetRequestHeader "Authorization", XLTOOLS_TOKEN
    http.Send
    If http.Status <> 200 Then
        Err.Raise vbObjectError + 513, "xltools", XLToolsText("m\u00E1y ch\u1EE7 tr\u1EA3 l\u1ED7i ") & http.Status & ": " & http.ResponseText
    End If
    path = XLToolsFreePath(XLToolsDocuments(), XLToolsFileName(fileName))
    Set stream = CreateObject("ADODB.Stream")   ' unlike Open ... For Binary, it takes any Unicode path
    stream.Type = 1
    stream.Open
    stream.Write http.ResponseBody
    stream.SaveToFile path, 2
    stream.Close
    XLToolsDownload = path
End Function

Private Function XLToolsDocuments() As String
    On Error Resume Next
    XLToolsDocuments = CreateObject("WScript.Shell").SpecialFolders("MyDocuments")
    If XLToolsDocuments = "" Then XLToolsDocuments = Environ$("USERPROFILE") & "\Documents"
End Function

' Return `name` without any folder and without the characters Windows forbids, ending in .docx.
Private Function XLToolsFileName(ByVal name As String) As String
    Dim i As Long, char As String
    name = Mid$(name, InStrRev(Replace(name, "/", "\"), "\") + 1)
    For i = 1 To Len(name)
        char = Mid$(name, i, 1)
        If InStr(":*?""<>|", char) > 0 Or AscW(char) >= 0 And AscW(char) < 32 Then Mid$(name, i, 1) = "-"
    Next
    name = Trim$(name)
    If name = "" Or name = "." Or name = ".." Then name = "bao-cao"
    If LCase$(Right$(name, 5)) <> ".docx" Then name = name & ".docx"
    XLToolsFileName = name
End Function

Private Function XLToolsFreePath(folder As String, name As String) As String
    Dim files As Object, stem As String, number As Long
    Set files = CreateObject("Scripting.FileSystemObject")
    XLToolsFreePath = folder & "\" & name
    stem = Left$(name, Len(name) - 5)
    number = 1
    Do While files.FileExists(XLToolsFreePath)
        number = number + 1
        XLToolsFreePath = folder & "\" & stem & " (" & number & ").docx"
    Loop
End Function
#End If

' Open the file at `path` in Word, else in the program Windows opens .docx files with.
Private Sub XLToolsOpenDocument(ByVal path As String)
#If Not Mac Then
    Dim word As Object, started As Boolean
    If path = "" Then Exit Sub
    If Not CreateObject("Scripting.FileSystemObject").FileExists(path) Then Exit Sub
    On Error Resume Next
    Set word = GetObject(, "Word.Application")
    If word Is Nothing Then
        Set word = CreateObject("Word.Application")
        started = Not word Is Nothing
    End If
    Err.Clear
    If Not word Is Nothing Then
        word.Documents.Open path
        If Err.Number = 0 Then
            word.Visible = True
            word.Activate
            Exit Sub
        End If
        If started Then word.Quit
    End If
    Err.Clear
    CreateObject("Shell.Application").ShellExecute path
    If Err.Number <> 0 Then XLToolsNotice XLToolsText("Kh\u00F4ng m\u1EDF \u0111\u01B0\u1EE3c Word; b\u00E1o c\u00E1o \u1EDF t\u1EC7p ") & path
#End If
End Sub

' ---------------------------------------------------------------- text

Private Function XLToolsServer() As String
    XLToolsServer = XLTOOLS_SERVER_URL
    Do While Right$(XLToolsServer, 1) = "/"
        XLToolsServer = Left$(XLToolsServer, Len(XLToolsServer) - 1)
    Loop
End Function

Private Function XLToolsUrl(handler As String) As String
    ' `macros` tells the server which workbook holds the macros it calls back (this add-in).
    XLToolsUrl = XLToolsServer() & "/xlwings/" & handler & "?macros=" & XLToolsEncode(ThisWorkbook.Name)
End Function

' Return `text` percent-encoded as UTF-8 for a URL (WorksheetFunction.EncodeURL needs Excel 2013).
Private Function XLToolsEncode(ByVal text As String) As String
    Dim i As Long, code As Long, result As String
    For i = 1 To Len(text)
        code = AscW(Mid$(text, i, 1)) And &HFFFF&
        If code >= &HD800& And code <= &HDBFF& And i < Len(text) Then   ' a surrogate pair
            i = i + 1
            code = &H10000 + (code - &HD800&) * &H400& + ((AscW(Mid$(text, i, 1)) And &HFFFF&) - &HDC00&)
        End If
        Select Case code
        Case 45, 46, 48 To 57, 65 To 90, 95, 97 To 122, 126
            result = result & ChrW(code)
        Case Is < &H80&
            result = result & XLToolsHex(code)
        Case Is < &H800&
            result = result & XLToolsHex(&HC0& Or code \ &H40&) & XLToolsHex(&H80& Or code And &H3F&)
        Case Is < &H10000
            result = result & XLToolsHex(&HE0& Or code \ &H1000&) & XLToolsHex(&H80& Or (code \ &H40&) And &H3F&) & _
                XLToolsHex(&H80& Or code And &H3F&)
        Case Else
            result = result & XLToolsHex(&HF0& Or code \ &H40000) & XLToolsHex(&H80& Or (code \ &H1000&) And &H3F&) & _
                XLToolsHex(&H80& Or (code \ &H40&) And &H3F&) & XLToolsHex(&H80& Or code And &H3F&)
        End Select
    Next
    XLToolsEncode = result
End Function

Private Function XLToolsHex(ByVal byteValue As Long) As String
    XLToolsHex = "%" & Right$("0" & Hex$(byteValue), 2)
End Function

' Return `text` with each \uXXXX replaced by its character.
Private Function XLToolsText(ByVal text As String) As String
    Dim at As Long
    at = InStr(text, "\u")
    Do While at > 0
        text = Left$(text, at - 1) & ChrW(CLng("&H" & Mid$(text, at + 2, 4))) & Mid$(text, at + 6)
        at = InStr(at + 1, text, "\u")
    Loop
    XLToolsText = text
End Function

' Show `message` in a dialog that shows Vietnamese on every Windows (MsgBox shows only the ANSI code page).
Private Sub XLToolsShow(ByVal message As String)
    Dim icon As Long
    icon = IIf(InStr(message, XLToolsText("L\u1ED7i")) > 0, vbExclamation, vbInformation)
#If Mac Then
    MsgBox message, icon, "xltools"
#Else
    MessageBoxW Application.hwnd, StrPtr(message), StrPtr("xltools"), icon
#End If
End Sub
